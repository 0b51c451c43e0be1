// A real local OpenID Connect provider for development, tests and the demo: node oidc-provider
// on 127.0.0.1, with its own login form for the test users in users.json.
//
// Environment (all optional):
//   IDP_PORT                 port to listen on (9400)
//   IDP_ISSUER               issuer URL (http://localhost:$IDP_PORT)
//   IDP_CLIENT_ID            the public client's id (streamlit-demo)
//   IDP_REDIRECT_URIS        comma-separated redirect URIs of the client
//                            (the component under Streamlit on STREAMLIT_PORT, and under trunk serve)
//   STREAMLIT_PORT           used for the default redirect URIs (8501)
//   IDP_API_AUDIENCE         the demo API's resource indicator (http://localhost:5000/api)
//   IDP_ACCESS_TOKEN_TTL, IDP_ID_TOKEN_TTL, IDP_REFRESH_TOKEN_TTL   lifetimes in seconds (300, 300, 3600)
//   IDP_COOP                 a Cross-Origin-Opener-Policy for every page (e.g. same-origin, as
//                            Django's default and large hosted providers send): the login popup
//                            then loses its opener while it is at the provider
//   IDP_REFRESH_NONCE        "omit": ID tokens from a refresh carry no nonce (OpenID Connect
//                            Core 12.2 allows it; Django OAuth Toolkit and others do it)
//   IDP_END_SESSION          "off": no end_session_endpoint (as Google)
//   IDP_AUTH_METHODS         token endpoint auth methods listed in discovery, comma-separated
//                            (none,client_secret_basic,client_secret_post)
//   IDP_USERS                a users file instead of users.json (the load bench's 20 users)
//   IDP_LOG_TOKENS           "1": log the opaque token values issued (tests look for them)
//
// Two confidential clients (confidential mode), on the same redirect URIs:
//   confidential-post / post-secret    client_secret_post, opaque access tokens, refresh tokens
//                                      not rotated (as Google)
//   confidential-basic / basic-secret  client_secret_basic, JWT access tokens for the API,
//                                      rotated refresh tokens (as Auth0 or Entra ID)

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';
// The provider's own key set loader: SIGUSR2 (below) loads a rotated set with it.
import loadKeys from 'oidc-provider/lib/helpers/initialize_keystore.js';

const env = (name, fallback) => process.env[name] || fallback;
const seconds = (name, fallback) => {
  const value = Number.parseInt(env(name, String(fallback)), 10);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of seconds`);
  return value;
};

const port = Number.parseInt(env('IDP_PORT', '9400'), 10);
const issuer = env('IDP_ISSUER', `http://localhost:${port}`);
const clientId = env('IDP_CLIENT_ID', 'streamlit-demo');
const streamlitPort = env('STREAMLIT_PORT', '8501');
const componentPath = '/component/streamlit_component.login/index.html';
const redirectUris = env('IDP_REDIRECT_URIS', [
  `http://localhost:${streamlitPort}${componentPath}`,
  `http://127.0.0.1:${streamlitPort}${componentPath}`,
  'http://127.0.0.1:8080/',
  'http://127.0.0.1:8080/index.html',
].join(',')).split(',').map((uri) => uri.trim()).filter(Boolean);
const apiAudience = env('IDP_API_AUDIENCE', 'http://localhost:5000/api');
const apiScopes = ['read:chart', 'write:solve', 'read:export', 'write:import'];
const users = JSON.parse(readFileSync(env('IDP_USERS', '') || new URL('./users.json', import.meta.url), 'utf8'));
const extraClaims = [...new Set(users.flatMap((u) => Object.keys(u.claims || {})))];

// A fresh RS256 signing key per start: tests and the demo fetch it from the JWKS endpoint.
let keyCount = 0;
function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyCount += 1;
  return { ...privateKey.export({ format: 'jwk' }), kid: `key-${Date.now()}-${keyCount}`, alg: 'RS256', use: 'sig' };
}
const signingKey = newSigningKey();

const client = (id, method, secret) => ({
  client_id: id,
  ...(secret ? { client_secret: secret } : {}),
  token_endpoint_auth_method: method,
  application_type: 'web',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: redirectUris,
  post_logout_redirect_uris: redirectUris,
});
const GOOGLE_LIKE = 'confidential-post';

const configuration = {
  clients: [
    client(clientId, 'none'),
    client(GOOGLE_LIKE, 'client_secret_post', 'post-secret'),
    client('confidential-basic', 'client_secret_basic', 'basic-secret'),
  ],
  clientAuthMethods: env('IDP_AUTH_METHODS', 'none,client_secret_basic,client_secret_post').split(','),
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'profile', 'email', ...apiScopes],
  // Each user's extra claims (users.json `claims`: roles and groups in the shapes of Keycloak,
  // Entra, Okta, Cognito and Auth0) come with the profile scope, in ID and access tokens.
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', ...extraClaims], email: ['email', 'email_verified'] },
  // Put the profile and email claims in the ID token itself, as hosted providers do.
  conformIdTokenClaims: false,
  findAccount(ctx, id) {
    const user = users.find((u) => u.username === id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, name: user.name, preferred_username: id, email: user.email,
          email_verified: user.email_verified ?? true, ...(user.claims || {}),
        };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    // RP-initiated logout (the component's `end_session`): the confirmation form is sent at once,
    // so the popup goes straight back to the app's post_logout_redirect_uri.
    revocation: { enabled: true },
    rpInitiatedLogout: {
      enabled: env('IDP_END_SESSION', 'on') !== 'off',
      logoutSource(ctx, form) {
        ctx.body = page('Signing out', `${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<script>document.getElementById('op.logoutForm').requestSubmit(document.querySelector('button[name=logout]'));</script>`);
      },
    },
    resourceIndicators: {
      enabled: true,
      // The Google-like client gets opaque access tokens (for the userinfo endpoint).
      defaultResource: (ctx, oidcClient) => (oidcClient.clientId === GOOGLE_LIKE ? undefined : apiAudience),
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resourceIndicator) {
        if (resourceIndicator !== apiAudience) throw new Error(`unknown resource ${resourceIndicator}`);
        return {
          scope: apiScopes.join(' '),
          audience: apiAudience,
          accessTokenTTL: seconds('IDP_ACCESS_TOKEN_TTL', 300),
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // The same extra claims in JWT access tokens, as providers put roles there for APIs.
  extraTokenClaims(ctx, token) {
    const user = users.find((u) => u.username === token.accountId);
    return user?.claims;
  },
  // IDP_CORS=off: no browser origin may call the token endpoint (tests of `doctor`); by default
  // the public client's redirect URI origins may.
  ...(env('IDP_CORS', 'on') === 'off' ? { clientBasedCORS: () => false } : {}),
  // A refresh token for every code grant of the public client, rotated on each use.
  issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: (ctx) => ctx.oidc.client.clientId !== GOOGLE_LIKE,
  ttl: {
    AccessToken: seconds('IDP_ACCESS_TOKEN_TTL', 300),
    IdToken: seconds('IDP_ID_TOKEN_TTL', 300),
    RefreshToken: seconds('IDP_REFRESH_TOKEN_TTL', 3600),
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    AuthorizationCode: 60,
  },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<p class="error">${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
};

const provider = new Provider(issuer, configuration);

if (env('IDP_REFRESH_NONCE', 'keep') === 'omit') {
  const payload = provider.IdToken.prototype.payload;
  provider.IdToken.prototype.payload = async function payloadWithoutRefreshNonce() {
    const claims = await payload.call(this);
    if (this.ctx?.oidc?.params?.grant_type === 'refresh_token') delete claims.nonce;
    return claims;
  };
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;margin:2rem auto;max-width:20rem;color:#31333f}
label{display:block;margin:.5rem 0 .2rem}input{width:100%;box-sizing:border-box;padding:.4rem}
button{margin-top:1rem;padding:.4rem 1rem}.error{color:#c00}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function loginForm(uid, error) {
  return page('Sign in to the demo provider', `
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
  <label for="username">Username</label><input id="username" name="username" required autofocus>
  <label for="password">Password</label><input id="password" name="password" type="password" required>
  <button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

// The consent the demo's first-party client needs: everything it asked for.
async function grantAll(details, params, accountId, grantId) {
  const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>Unknown interaction.</p>'));
  const { prompt, params, session, grantId } = details;
  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') {
    if (action !== 'login' || req.method !== 'POST') return send(res, 200, loginForm(uid));
    const form = await readForm(req);
    const user = users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
    if (!user) return send(res, 401, loginForm(uid, 'Invalid username or password.'));
    return provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'consent') {
    const consent = { grantId: await grantAll(prompt.details, params, session.accountId, grantId) };
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  return send(res, 501, page('Sign-in error', '<p>Unsupported prompt.</p>'));
}

// One line per token grant, for the tests that count refreshes at the provider.
provider.on('grant.success', (ctx) => console.log(`grant.success ${ctx.oidc.params.grant_type}`));
provider.on('grant.revoked', (ctx) => console.log(`grant.revoked ${ctx.oidc.client?.clientId}`));
// Tests only (IDP_LOG_TOKENS=1): the opaque token values issued, so that a test can look for
// them where they must never be (the browser, the app's logs).
if (env('IDP_LOG_TOKENS', '') === '1') {
  for (const kind of ['access_token', 'refresh_token']) {
    provider.on(`${kind}.saved`, (token) => console.log(`token.saved ${kind} ${token.jti}`));
  }
}

const handler = provider.callback();
const coop = env('IDP_COOP', '');
// Tests of `doctor`: a provider whose clock runs IDP_CLOCK_SKEW_S seconds off (its Date header).
const clockSkewS = Number.parseInt(env('IDP_CLOCK_SKEW_S', '0'), 10);
const server = http.createServer((req, res) => {
  if (coop) res.setHeader('Cross-Origin-Opener-Policy', coop);
  if (clockSkewS) res.setHeader('Date', new Date(Date.now() + clockSkewS * 1000).toUTCString());
  const url = new URL(req.url, issuer);
  // One line per authorization request, with its parameters, for the tests that check what
  // reached the provider (login options).
  if (url.pathname === '/auth') console.log(`authorize ${url.search}`);
  const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(url.pathname);
  if (!match) return handler(req, res);
  return interaction(req, res, match[1], match[2]).catch((error) => {
    send(res, 400, page('Sign-in error', `<p class="error">${escape(error.message)}</p>`));
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc provider ${issuer} listening on 127.0.0.1:${port}; client ${clientId}; redirect URIs ${redirectUris.join(' ')}${coop ? `; Cross-Origin-Opener-Policy: ${coop}` : ''}`);
  console.log(`test users: ${users.map((u) => `${u.username}/${u.password}`).join(', ')}`);
});

// SIGUSR2 rotates the signing key as a provider does: a new key (new kid) signs from now on,
// and the old ones stay published for the tokens they signed. Tests use it for a mid-session
// rotation; the line it prints names the new key.
let signingKeys = [signingKey];
process.on('SIGUSR2', () => {
  signingKeys = [newSigningKey(), ...signingKeys];
  loadKeys.call(provider, { keys: signingKeys });
  console.log(`keys rotated ${signingKeys[0].kid}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
