"""A fake OpenID provider for Python-side tests: keys generated here (cryptography), discovery and
JWKS served from a local http.server thread, and tokens minted with any header and claims."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from streamlit_component.config import AuthConfig

CLIENT_ID = "streamlit-demo"
API = "http://localhost:5000/api"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jwt(header: dict, claims: dict, signature: bytes = b"") -> str:
    """A compact JWS put together by hand (for forged tokens)."""
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)])


class BrowserKey:
    """Plays the component's login key (streamlit_component.binding): an ECDSA P-256 key and a
    salt, the nonce that commits to them, and proofs over a session's challenge."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256", "x": b64(numbers.x.to_bytes(32, "big")),
                    "y": b64(numbers.y.to_bytes(32, "big"))}
        self.salt = b64(secrets.token_bytes(32))
        # RFC 7638 thumbprint, then the salt's bytes, hashed: written out here, not borrowed
        # from the package, so that a change of the layout there fails the tests.
        members = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (self.jwk["x"], self.jwk["y"])
        thumbprint = hashlib.sha256(members.encode()).digest()
        salt = base64.urlsafe_b64decode(self.salt + "=")
        self.nonce = b64(hashlib.sha256(thumbprint + salt).digest())

    def sign(self, message: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self.private.sign(message, ec.ECDSA(hashes.SHA256())))
        return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def proof(self, challenge: str, issuer: str, client_id: str = CLIENT_ID) -> dict:
        message = f"streamlit_component/binding/v1\n{challenge}\n{issuer}\n{client_id}".encode()
        return {"jwk": dict(self.jwk), "salt": self.salt, "challenge": challenge, "signature": self.sign(message)}


@dataclass
class Key:
    kid: str
    alg: str
    private: Any

    def public_jwk(self, with_alg: bool = True) -> dict:
        algorithm = jwt.algorithms.ECAlgorithm if self.alg == "ES256" else jwt.algorithms.RSAAlgorithm
        jwk = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig")
        if with_alg:
            jwk["alg"] = self.alg
        return jwk


def new_key(kid: str, alg: str = "RS256") -> Key:
    if alg == "ES256":
        return Key(kid, alg, ec.generate_private_key(ec.SECP256R1()))
    return Key(kid, alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))


@dataclass
class FakeProvider:
    """Serves ``/.well-known/openid-configuration`` and ``/jwks`` for the keys in ``published``."""

    keys: dict[str, Key]
    published: list[str]
    issuer: str = ""
    discovery_overrides: dict[str, Any] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=lambda: {"discovery": 0, "jwks": 0})

    publish_alg: bool = True
    jwks_down: bool = False

    def jwks(self) -> dict:
        return {"keys": [self.keys[kid].public_jwk(self.publish_alg) for kid in self.published]}

    def discovery(self) -> dict:
        return {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks", **self.discovery_overrides}

    def config(self, **overrides: Any) -> AuthConfig:
        return AuthConfig.from_dict({"issuer": self.issuer, "client_id": CLIENT_ID, "audience": API, **overrides})

    def id_claims(self, nonce: str | None, **overrides: Any) -> dict:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "alice", "aud": CLIENT_ID, "exp": now + 300, "iat": now,
                  "name": "Alice Example", "email": "alice@example.com"}
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def access_claims(self, **overrides: Any) -> dict:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "alice", "aud": API, "exp": now + 300, "iat": now,
                  "client_id": CLIENT_ID, "scope": "read:chart write:solve", "jti": "at-1"}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, claims: dict, kid: str = "rsa-1", *, key: Key | None = None, headers: dict | None = None) -> str:
        signer = key or self.keys[kid]
        header = {"kid": kid, **(headers or {})}
        return jwt.encode(claims, signer.private, algorithm=signer.alg, headers=header)


@contextlib.contextmanager
def serve(provider: FakeProvider) -> Iterator[FakeProvider]:
    """Runs the provider on a free loopback port; sets ``provider.issuer``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            routes = {"/.well-known/openid-configuration": ("discovery", provider.discovery),
                      "/jwks": ("jwks", provider.jwks)}
            if self.path not in routes:
                self.send_error(404)
                return
            name, document = routes[self.path]
            provider.hits[name] += 1
            if name == "jwks" and provider.jwks_down:
                self.send_error(503)
                return
            body = json.dumps(document()).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


# RSA key generation takes a moment: the keys are made once per test session.
_KEYS: dict[str, Key] = {}


def shared_keys() -> dict[str, Key]:
    if not _KEYS:
        for kid, alg in (("rsa-1", "RS256"), ("rsa-2", "RS256"), ("ec-1", "ES256"), ("ps-1", "PS256"),
                         ("attacker", "RS256")):
            _KEYS[kid] = new_key(kid, alg)
    return _KEYS


@contextlib.contextmanager
def fake_provider(published: tuple[str, ...] = ("rsa-1", "ec-1", "ps-1")) -> Iterator[FakeProvider]:
    with serve(FakeProvider(dict(shared_keys()), list(published))) as provider:
        yield provider
