"""Login options: what the app adds to the provider's authorization request.

The standard ones (OpenID Connect Core §3.1.2.1) are ``prompt``, ``login_hint``, ``max_age``,
``acr_values`` and ``ui_locales``; a provider's own (``kc_idp_hint``, ``domain_hint``,
``organization``, ``hd``…) are allowed when the app lists them (``authorize_params`` in the
config sets them for every login, ``allowed_authorize_params`` names those a page may set per
call). The parameters that carry the login's own values (:data:`RESERVED`) can never be set.
The component percent-encodes every value and checks the same rules again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["PROMPTS", "RESERVED", "STANDARD", "check_login_options"]

#: The standard login options.
STANDARD: tuple[str, ...] = ("prompt", "login_hint", "max_age", "acr_values", "ui_locales")
#: The `prompt` values of OpenID Connect Core §3.1.2.1.
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
#: Parameters of the login itself (or that could put a token in the URL): never an option.
RESERVED = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
    "code_challenge_method", "audience", "resource", "response_mode", "request", "request_uri",
    "registration", "claims", "id_token_hint",
})
#: As the component allows: at most 16 options, names of letters, digits and ``_-.:``, values of
#: at most 1,024 bytes.
MAX_OPTIONS = 16
MAX_VALUE_BYTES = 1024
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def check_login_options(options: Mapping[str, Any], extra_names: Collection[str] = (), *,
                        checked: bool = False) -> dict[str, str]:
    """The options as the component takes them (every value a string); ``None`` values are
    left out.

    Parameters
    ----------
    options : Mapping
        Option names to values: strings, or a whole number of seconds for ``max_age``.
    extra_names : collection of str
        The provider's own parameters the app allows besides :data:`STANDARD`.
    checked : bool
        The options were checked before (``max_age`` may then be its digits).

    Raises
    ------
    ValueError
        Naming the option and what is wrong with it.
    """
    if not isinstance(options, Mapping):
        raise ValueError("login options must be a mapping of names to values")
    checked: dict[str, str] = {}
    for name, value in options.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"login option {name!r}: not a parameter name")
        if name in RESERVED:
            raise ValueError(f"login option `{name}`: the login sets it itself")
        if name not in STANDARD and name not in extra_names:
            raise ValueError(f"login option `{name}`: not a standard option; list it in "
                             "`allowed_authorize_params` to allow it")
        if value is None:
            continue
        if name == "max_age":
            if checked and isinstance(value, str) and value.isascii() and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**10:
                raise ValueError("login option `max_age`: must be a whole number of seconds")
            checked[name] = str(value)
            continue
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"login option `{name}`: must be a non-empty string")
        value = value.strip()
        if name == "prompt" and not set(value.split(" ")) <= PROMPTS:
            raise ValueError(f"login option `prompt`: must be made of {sorted(PROMPTS)}, space-separated")
        if len(value.encode()) > MAX_VALUE_BYTES:
            raise ValueError(f"login option `{name}`: longer than {MAX_VALUE_BYTES} bytes")
        checked[name] = value
    if len(checked) > MAX_OPTIONS:
        raise ValueError(f"at most {MAX_OPTIONS} login options")
    return checked
