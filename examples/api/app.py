"""The demo's API: a small Flask app whose protected endpoints accept the access tokens the login
component obtains.

Endpoints
---------
``GET /api/ping``
    Public: answers anyone.
``GET /api/pong``
    Needs ``Authorization: Bearer <access token>`` with the scope ``read:chart``.
``POST /api/solve``
    Needs the scope ``write:solve``; solves ``a·x² + b·x + c = 0`` for the JSON body
    ``{"a": …, "b": …, "c": …}``.

Access tokens are checked by the package's own :class:`streamlit_component.TokenVerifier`
(signature against the provider's JWKS, ``iss``, ``aud`` = this API, ``exp``, ``iat``, ``sub``,
the client), not by a copy of it. Failures are JSON: 401 with a ``WWW-Authenticate: Bearer``
header for a missing or invalid token (RFC 6750 §3), 403 for a missing scope, 503 when the
provider's keys cannot be fetched. CORS answers only the configured Streamlit origin(s).

Configuration (environment, all optional)
-----------------------------------------
``API_PORT`` (5000), ``API_HOST`` (127.0.0.1), ``API_SERVER_METADATA_URL``
(``http://localhost:9400/.well-known/openid-configuration``), ``API_ISSUER`` (only when the
discovery URL is not ``<issuer>/.well-known/openid-configuration``), ``API_AUDIENCE``
(``http://localhost:5000/api``), ``API_CLIENT_ID`` (``streamlit-demo``), ``API_ALLOWED_ORIGINS``
(comma-separated, ``http://localhost:8501``).

Run it with ``python examples/api/app.py`` (``make demo`` starts it for you).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException


from streamlit_component import AuthConfig, TokenVerifier, VerificationError  # noqa: E402
from streamlit_component.config import origin_of  # noqa: E402

__all__ = ["ApiConfig", "ApiError", "create_app", "main", "require_scope"]

#: The realm named in ``WWW-Authenticate``.
REALM = "streamlit_component demo API"
#: Verification codes that mean "the provider could not be asked", not "the token is bad".
_UNAVAILABLE = frozenset({"discovery_failed", "jwks_unavailable"})
_VERIFIER_KEY = "demo_api.verifier"
_ORIGINS_KEY = "demo_api.allowed_origins"

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class ApiConfig:
    """Where tokens come from and who may call the API from a browser.

    Attributes
    ----------
    auth : AuthConfig
        The provider (issuer, discovery), the client the tokens are issued to, and this API's
        ``audience``; the same configuration class the Streamlit side uses.
    allowed_origins : tuple of str
        Browser origins (``scheme://host:port``) that CORS answers.
    """

    auth: AuthConfig
    allowed_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiConfig:
        """Read the ``API_*`` variables described in the module's documentation.

        Raises
        ------
        streamlit_component.ConfigError
            When a value is invalid (the message names it).
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "server_metadata_url": env.get("API_SERVER_METADATA_URL")
            or "http://localhost:9400/.well-known/openid-configuration",
            "client_id": env.get("API_CLIENT_ID") or "streamlit-demo",
            "audience": env.get("API_AUDIENCE") or "http://localhost:5000/api",
        }
        if env.get("API_ISSUER"):
            values["issuer"] = env["API_ISSUER"]
        origins = (env.get("API_ALLOWED_ORIGINS") or "http://localhost:8501").split(",")
        return cls(AuthConfig.from_dict(values), tuple(o.strip() for o in origins if o.strip()))


class ApiError(Exception):
    """An error answer: JSON ``{"error", "message", …}`` with ``status`` and extra headers.

    Parameters
    ----------
    status : int
        The HTTP status.
    error : str
        A stable code (``missing_token``, ``invalid_token``, ``insufficient_scope``, …).
    message : str
        For people; never contains the token.
    headers : Mapping or None
        Extra response headers (``WWW-Authenticate``).
    **extra : Any
        More fields of the JSON body.
    """

    def __init__(self, status: int, error: str, message: str, headers: Mapping[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> Response:
        """The JSON response for this error."""
        response = jsonify({"error": self.error, "message": self.message, **self.extra})
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def _challenge(**params: str) -> dict[str, str]:
    """A ``WWW-Authenticate: Bearer`` header with the realm and ``params`` (RFC 6750 §3)."""
    fields = {"realm": REALM, **params}
    text = ", ".join(f'{key}="{value}"' for key, value in fields.items())
    return {"WWW-Authenticate": f"Bearer {text}"}


def bearer_token() -> str:
    """The token of this request's ``Authorization: Bearer`` header.

    Raises
    ------
    ApiError
        401 ``missing_token`` without the header (the challenge has no error code, as RFC 6750
        asks for a request without credentials), 401 ``invalid_token`` when it is not a
        bearer token.
    """
    header = request.headers.get("Authorization")
    if not header:
        raise ApiError(401, "missing_token", "this endpoint needs an access token: send Authorization: Bearer <token>",
                       _challenge())
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ApiError(401, "invalid_token", "the Authorization header is not `Bearer <token>`",
                       _challenge(error="invalid_token", error_description="not a bearer token"))
    return token


def verified_claims(token: str) -> dict[str, Any]:
    """The claims of a valid access token for this API.

    Raises
    ------
    ApiError
        401 ``invalid_token`` (with the verifier's ``code``), or 503 ``temporarily_unavailable``
        when the provider's discovery document or keys cannot be fetched.
    """
    verifier = cast(TokenVerifier, current_app.extensions[_VERIFIER_KEY])
    try:
        return verifier.verify_access_token(token)
    except VerificationError as error:
        if error.code in _UNAVAILABLE:
            raise ApiError(503, "temporarily_unavailable", f"the token cannot be checked now: {error.message}",
                           {"Retry-After": "5"}, code=error.code) from None
        raise ApiError(401, "invalid_token", error.message,
                       _challenge(error="invalid_token", error_description=error.code), code=error.code) from None


def require_scope(scope: str) -> Callable[[View], View]:
    """Decorate a view so that it runs only for a valid access token that has ``scope``; the
    token's claims are then in ``flask.g.claims``.

    Parameters
    ----------
    scope : str
        The scope the view needs.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            claims = verified_claims(bearer_token())
            if scope not in TokenVerifier.scopes(claims):
                raise ApiError(403, "insufficient_scope", f"this endpoint needs the scope {scope}",
                               _challenge(error="insufficient_scope", scope=scope), scope=scope)
            g.claims = claims
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _number(body: Mapping[str, Any], key: str) -> float:
    value = body.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ApiError(400, "invalid_request", f"`{key}` must be a finite number")
    return float(value)


def solve_quadratic(a: float, b: float, c: float) -> list[float]:
    """The real roots of ``a·x² + b·x + c = 0``, ascending (a linear equation when ``a`` is 0).

    Raises
    ------
    ApiError
        400 when every ``x`` solves it (all coefficients 0).
    """
    if a == 0:
        if b == 0:
            if c == 0:
                raise ApiError(400, "invalid_request", "0 = 0 holds for every x: give a non-zero coefficient")
            return []
        return [-c / b]
    discriminant = b * b - 4 * a * c
    if discriminant < 0:
        return []
    root = math.sqrt(discriminant)
    return sorted({(-b - root) / (2 * a), (-b + root) / (2 * a)})


def create_app(config: ApiConfig | None = None) -> Flask:
    """The Flask app for ``config`` (``ApiConfig.from_env()`` when ``None``)."""
    config = config or ApiConfig.from_env()
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[_VERIFIER_KEY] = TokenVerifier(config.auth)
    origins = {o: origin_of(o) for o in config.allowed_origins}
    bad = [o for o, normal in origins.items() if normal is None]
    if bad:
        raise ValueError(f"allowed origins must be http(s) origins, not {bad}")
    app.extensions[_ORIGINS_KEY] = frozenset(origins.values())

    @app.get("/api/ping")
    def ping() -> Response:
        return jsonify({"message": "ping: the public endpoint answers anyone", "time": _now()})

    @app.get("/api/pong")
    @require_scope("read:chart")
    def pong() -> Response:
        claims: dict[str, Any] = g.claims
        return jsonify({"message": f"pong: the secure endpoint verified a token for {claims['sub']}",
                        "sub": claims["sub"], "scopes": TokenVerifier.scopes(claims),
                        "expires_at": claims["exp"], "time": _now()})

    @app.post("/api/solve")
    @require_scope("write:solve")
    def solve() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", 'send a JSON object like {"a": 1, "b": -3, "c": 2}')
        a, b, c = (_number(body, key) for key in ("a", "b", "c"))
        return jsonify({"equation": f"{a:g}·x² + {b:g}·x + {c:g} = 0", "roots": solve_quadratic(a, b, c),
                        "sub": g.claims["sub"]})

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error.response()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        name = (error.name or "error").lower().replace(" ", "_")
        return ApiError(error.code or 500, name, error.description or name).response()

    @app.after_request
    def cors(response: Response) -> Response:
        """CORS for the allowed origins only (preflights are Flask's automatic OPTIONS answers)."""
        origin = request.headers.get("Origin")
        if origin and origin_of(origin) in current_app.extensions[_ORIGINS_KEY]:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Expose-Headers"] = "WWW-Authenticate"
            response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
        return response

    return app


def main() -> None:
    """Serve the API on ``API_HOST:API_PORT`` (Werkzeug's threaded server, fine for a demo)."""
    app = create_app()
    host, port = os.environ.get("API_HOST", "127.0.0.1"), int(os.environ.get("API_PORT", "5000"))
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
