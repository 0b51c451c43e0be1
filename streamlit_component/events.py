"""Events from the component: the envelope ``{name, data, source, seq, backlog}`` parsed as
untrusted input (any script on the Streamlit origin can set the component value), the
allow-list, and de-duplication by ``seq`` (docs/events.md)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["MAX_VALUE_BYTES", "ComponentEvent", "EventError", "allow", "error_event", "fresh",
           "parse_envelope", "print_report", "redacted", "with_original_fields"]

#: Largest component value accepted, in bytes of compact JSON.
MAX_VALUE_BYTES = 256 * 1024
#: Most backlog entries accepted (the component keeps at most 16).
MAX_BACKLOG = 16
#: Longest event name or source accepted.
MAX_NAME_LEN = 64
#: The greatest ``seq`` (JavaScript's largest safe integer).
MAX_SEQ = 2**53 - 1
#: How far a ``seq`` (the browser's clock in milliseconds) may lie ahead of the server's clock:
#: browsers' clocks run minutes off, a day is more than any real one.
MAX_SEQ_AHEAD_MS = 86_400_000
ON_ERROR = "onError"

_SECRET_KEYS = frozenset({"value", "value_id_token", "access_token", "id_token", "refresh_token"})


@dataclass(frozen=True)
class ComponentEvent:
    """One event: from the component, or made by Python (``seq`` 0) to report a failure.

    Attributes
    ----------
    name : str
        ``onStatusUpdate``, ``onActionRequest``, ``onError`` or another allowed name.
    data : Any
        The event's data (docs/events.md); for a verified login the ``session`` holds the
        verified values, not the reported ones.
    source : str
        The component's key.
    seq : int
        The component's sequence number; 0 for events made by Python.
    """

    name: str
    data: Any
    source: str
    seq: int = field(default=0)


class EventError(ValueError):
    """The component value is not a valid envelope; ``code`` is ``invalid_event`` or
    ``value_too_large``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def with_original_fields(data: dict[str, Any], session: dict[str, Any] | None, hostname: str) -> dict[str, Any]:
    """An ``onStatusUpdate``'s data with the original component's fields added, filled only
    from the verified ``session`` (``None`` when logged out): ``hostname``, ``message`` (the
    status), ``isError`` and ``error`` (a status update is no error), and ``sessioninfo``:
    ``{"user": {"name", "email", …verified ID-token claims}, "token": {"value",
    "value_id_token", "expiry"}}``, or ``None``."""
    info = None
    if session is not None:
        claims = session.get("claims") or {}
        info = {"user": {**claims, "name": session.get("user"), "email": session.get("email")},
                "token": dict(session["token"])}
    return {**data, "hostname": hostname, "message": data.get("status"), "isError": False, "error": None,
            "sessioninfo": info}


def error_event(code: str, message: str, source: str, **extra: Any) -> ComponentEvent:
    """An ``onError`` event made by Python."""
    return ComponentEvent(ON_ERROR, {"code": code, "message": message, **extra}, source)


def _event(value: Any, where: str) -> ComponentEvent:
    if not isinstance(value, dict):
        raise EventError("invalid_event", f"{where} is not an object")
    name, source, seq = value.get("name"), value.get("source"), value.get("seq")
    for key, text in (("name", name), ("source", source)):
        if not isinstance(text, str) or not text or len(text) > MAX_NAME_LEN:
            raise EventError("invalid_event", f"{where}'s `{key}` is not a short non-empty string")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq <= MAX_SEQ:
        raise EventError("invalid_event", f"{where}'s `seq` is not a positive safe integer")
    if seq > time.time() * 1000 + MAX_SEQ_AHEAD_MS:
        # A forged value: handled, it would make every later (real) event look old.
        raise EventError("invalid_event", f"{where}'s `seq` lies more than a day ahead of the server's clock")
    if "data" not in value:
        raise EventError("invalid_event", f"{where} has no `data`")
    return ComponentEvent(name, value["data"], source, seq)


def parse_envelope(value: Any, max_bytes: int = MAX_VALUE_BYTES) -> list[ComponentEvent]:
    """The events in a component value, backlog first, ordered by ``seq`` without duplicates.

    Parameters
    ----------
    value : Any
        What the component function returned; ``None`` (nothing sent yet) gives no events.
    max_bytes : int
        Size limit of the value as compact JSON.

    Raises
    ------
    EventError
        When the value is too large or not an envelope.
    """
    if value is None:
        return []
    try:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise EventError("invalid_event", "the component value is not JSON") from None
    if size > max_bytes:
        raise EventError("value_too_large", f"the component value is larger than {max_bytes} bytes")
    envelope = _event(value, "the envelope")
    backlog = value.get("backlog", [])
    if not isinstance(backlog, list) or len(backlog) > MAX_BACKLOG:
        raise EventError("invalid_event", f"`backlog` is not a list of at most {MAX_BACKLOG} events")
    events = {event.seq: event for event in (_event(entry, "a backlog entry") for entry in backlog)}
    if any(seq >= envelope.seq for seq in events):
        raise EventError("invalid_event", "a backlog entry is not older than the envelope")
    events[envelope.seq] = envelope
    return [events[seq] for seq in sorted(events)]


def fresh(events: Iterable[ComponentEvent], last_seq: int) -> list[ComponentEvent]:
    """The events not handled yet: ``seq`` greater than ``last_seq``, in order."""
    return sorted((e for e in events if e.seq > last_seq), key=lambda e: e.seq)


def allow(event: ComponentEvent, allowed: Sequence[str]) -> ComponentEvent:
    """``event`` itself when its name is allowed (``onError`` always is); otherwise an
    ``onError`` with code ``event_not_allowed``, the original name and its data."""
    if event.name == ON_ERROR or event.name in allowed:
        return event
    data = {"code": "event_not_allowed", "message": "the event's name is not in the allowed list",
            "event": event.name, "data": event.data}
    return ComponentEvent(ON_ERROR, data, event.source, event.seq)


def redacted(value: Any) -> Any:
    """A copy of ``value`` with every token replaced by ``"[redacted]"``."""
    if isinstance(value, dict):
        return {k: "[redacted]" if k in _SECRET_KEYS and v is not None else redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def print_report(event: ComponentEvent, file: TextIO | None = None) -> None:
    """Print a report of ``event`` for debugging, tokens redacted.

    Parameters
    ----------
    event : ComponentEvent
    file : TextIO or None
        Where to print; standard output by default.
    """
    out = file or sys.stdout
    print(f"[streamlit_component] {event.name} from {event.source!r} (seq {event.seq})", file=out)
    print(json.dumps(redacted(event.data), indent=2, sort_keys=True, default=str), file=out)
