"""Who may see a page: rules over the verified claims of the login.

An :class:`Access` holds the rules; every rule it sets must pass:

- ``roles``: the user has at least one of these roles or groups, read from ``roles_claim``
  (a claim name, a dotted path into nested claims, or a preset from :data:`ROLE_CLAIMS` for
  Keycloak, Entra, Okta and Cognito; Auth0's namespaced claims are named as they are, for
  example ``"https://example.com/roles"``);
- ``domains`` and ``emails``: the email is one of ``emails`` or its domain one of ``domains``
  (case-insensitive, exact domain), and the provider says it is verified (``email_verified``);
- ``check``: a function of the claims that returns ``True`` to let the user in.

The claims are the ID token's, or the verified access token's with
``claims_from="access_token"`` (the access token must then be a JWT for the configured
``audience``). Rules also come from the ``[auth]`` section (``required_roles``,
``roles_claim``, ``allowed_domains``, ``allowed_emails``, ``claims_from``); they apply on every
page that calls :func:`~streamlit_component.require_login`, together with its ``allow=``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CLAIM_SOURCES", "ROLE_CLAIMS", "Access", "Refusal"]

#: Where common providers put roles and groups, as claim names to walk through; ``{client_id}``
#: is the app's client id (taken whole, dots and all).
ROLE_CLAIMS: dict[str, tuple[str, ...]] = {
    "keycloak": ("realm_access", "roles"),
    "keycloak_client": ("resource_access", "{client_id}", "roles"),
    "entra": ("roles",),
    "entra_groups": ("groups",),
    "okta": ("groups",),
    "cognito": ("cognito:groups",),
}
#: Which token's claims the rules read.
CLAIM_SOURCES = ("id_token", "access_token")


@dataclass(frozen=True)
class Refusal:
    """Why a logged-in user may not see the page: the rule (``roles``, ``email``, ``check`` or
    ``claims``) and a sentence for the user, naming what was required and what they have."""

    rule: str
    message: str


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def claim_at(claims: Mapping[str, Any], path: str | tuple[str, ...]) -> Any:
    """The claim at ``path``: claim names to walk through nested objects, or a text: the claim
    of that exact name when there is one (namespaced names hold dots), else its dotted parts;
    ``None`` if absent."""
    if isinstance(path, str):
        if path in claims:
            return claims[path]
        path = tuple(path.split("."))
    node: Any = claims
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


@dataclass(frozen=True)
class Access:
    """Rules for who may see a page (see the module's description).

    Parameters
    ----------
    roles : iterable of str
        Any one of these roles or groups lets the user in.
    roles_claim : str or iterable of str
        Where the roles are: claim names or dotted paths, or preset names of
        :data:`ROLE_CLAIMS`; the roles found under all of them count.
    domains, emails : iterable of str
        Allowed email domains and emails (with ``email_verified`` true).
    check : callable or None
        ``check(claims) -> bool``, for anything else.
    check_description : str
        How the refusal names ``check`` to the user.
    claims_from : str
        ``"id_token"`` (the default) or ``"access_token"``.
    """

    roles: tuple[str, ...] = ()
    roles_claim: tuple[str, ...] = ("roles",)
    domains: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    check: Callable[[Mapping[str, Any]], bool] | None = None
    check_description: str = "the app's own rule"
    claims_from: str = "id_token"

    def __init__(self, roles: Iterable[str] = (), roles_claim: str | Iterable[str] = "roles",
                 domains: Iterable[str] = (), emails: Iterable[str] = (),
                 check: Callable[[Mapping[str, Any]], bool] | None = None,
                 check_description: str = "the app's own rule", claims_from: str = "id_token") -> None:
        def texts(name: str, value: Any) -> tuple[str, ...]:
            items = (value,) if isinstance(value, str) else tuple(value)
            if not all(isinstance(item, str) and item.strip() for item in items):
                raise ValueError(f"Access `{name}` must be non-empty strings")
            return tuple(item.strip() for item in items)

        if claims_from not in CLAIM_SOURCES:
            raise ValueError(f"Access `claims_from` must be one of {list(CLAIM_SOURCES)}")
        if check is not None and not callable(check):
            raise ValueError("Access `check` must be a function of the claims")
        object.__setattr__(self, "roles", texts("roles", roles))
        object.__setattr__(self, "roles_claim", texts("roles_claim", roles_claim))
        object.__setattr__(self, "domains", tuple(d.lower().lstrip("@") for d in texts("domains", domains)))
        object.__setattr__(self, "emails", tuple(e.lower() for e in texts("emails", emails)))
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "check_description", check_description)
        object.__setattr__(self, "claims_from", claims_from)

    @property
    def empty(self) -> bool:
        """Whether no rule is set (everyone logged in may enter)."""
        return not (self.roles or self.domains or self.emails or self.check)

    def role_paths(self, client_id: str = "") -> list[str | tuple[str, ...]]:
        """The claims :attr:`roles_claim` stands for: presets as the claim names to walk
        through (``{client_id}`` filled in), other names as given."""
        return [tuple(client_id if part == "{client_id}" else part for part in ROLE_CLAIMS[name])
                if name in ROLE_CLAIMS else name for name in self.roles_claim]

    def describe_role_paths(self, client_id: str = "") -> str:
        """The role claims for people: ``realm_access.roles or groups``."""
        return " or ".join(p if isinstance(p, str) else ".".join(p) for p in self.role_paths(client_id))

    def roles_of(self, claims: Mapping[str, Any], client_id: str = "") -> list[str]:
        """The user's roles and groups under :attr:`roles_claim`, in order, without repeats."""
        found: list[str] = []
        for path in self.role_paths(client_id):
            for role in _strings(claim_at(claims, path)):
                if role not in found:
                    found.append(role)
        return found

    def refusal(self, claims: Mapping[str, Any] | None, client_id: str = "") -> Refusal | None:
        """Why ``claims`` do not pass, or ``None`` when they do.

        A ``check`` that raises refuses: a rule that cannot be evaluated lets nobody in.
        """
        if self.empty:
            return None
        if not isinstance(claims, Mapping):
            source = "access token" if self.claims_from == "access_token" else "ID token"
            return Refusal("claims", f"this page's rules need the verified {source}'s claims, and there are none")
        if self.roles:
            have = self.roles_of(claims, client_id)
            if not set(have) & set(self.roles):
                where = self.describe_role_paths(client_id)
                return Refusal("roles", f"this page needs the role {' or '.join(self.roles)}; your login has "
                                        f"{', '.join(have) if have else 'none'} (claim {where})")
        if self.domains or self.emails:
            refused = self._email_refusal(claims)
            if refused is not None:
                return refused
        if self.check is not None:
            try:
                allowed = self.check(claims) is True
            except Exception as error:  # noqa: BLE001 - any failure of the app's rule refuses
                return Refusal("check", f"{self.check_description} could not be checked ({type(error).__name__})")
            if not allowed:
                return Refusal("check", f"{self.check_description} does not let this login in")
        return None

    def _email_refusal(self, claims: Mapping[str, Any]) -> Refusal | None:
        wanted = [*self.emails, *(f"…@{d}" for d in self.domains)]
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            return Refusal("email", f"this page is for {', '.join(wanted)}; your login has no email")
        verified = claims.get("email_verified")
        if verified is not True and verified != "true":  # Cognito sends "true"; never 1
            return Refusal("email", f"this page is for {', '.join(wanted)}; the provider has not verified {email}")
        email = email.lower()
        if email in self.emails or email.rsplit("@", 1)[1] in self.domains:
            return None
        return Refusal("email", f"this page is for {', '.join(wanted)}; you are signed in as {email}")
