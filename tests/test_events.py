"""The event envelope as untrusted input (SECURITY.md 22): size limit, shape, backlog order,
de-duplication by seq, the allow-list, and reports without tokens."""

from __future__ import annotations

import io

import pytest

from streamlit_component.events import (MAX_VALUE_BYTES, ComponentEvent, EventError, allow, fresh, parse_envelope,
                                        print_report)

DEFAULTS = ["onStatusUpdate", "onActionRequest", "onError"]


def envelope(seq: int, name: str = "onActionRequest", data=None, backlog=None) -> dict:
    value = {"name": name, "data": {"action": "login"} if data is None else data, "source": "login", "seq": seq}
    if backlog is not None:
        value["backlog"] = backlog
    return value


def test_nothing_sent_yet_is_no_event():
    assert parse_envelope(None) == []


def test_an_envelope_is_one_event():
    assert parse_envelope(envelope(5)) == [ComponentEvent("onActionRequest", {"action": "login"}, "login", 5)]


def test_backlog_entries_come_first_in_seq_order():
    value = envelope(10, backlog=[envelope(8), envelope(7), envelope(9, "onError", {"code": "x"})])
    assert [e.seq for e in parse_envelope(value)] == [7, 8, 9, 10]


def test_fresh_keeps_only_events_after_the_last_handled_seq():
    events = parse_envelope(envelope(10, backlog=[envelope(8), envelope(9)]))
    assert [e.seq for e in fresh(events, 8)] == [9, 10]
    assert fresh(events, 10) == []


def test_an_oversized_value_is_refused():
    with pytest.raises(EventError) as error:
        parse_envelope(envelope(1, data={"blob": "x" * MAX_VALUE_BYTES}))
    assert error.value.code == "value_too_large"
    assert parse_envelope(envelope(1, data={"blob": "x" * 1000}), max_bytes=2000)


@pytest.mark.parametrize("value", [
    "text", 42, [], {"name": "onError"},
    {**envelope(1), "name": ""}, {**envelope(1), "name": "x" * 65}, {**envelope(1), "name": 3},
    {**envelope(1), "source": None}, {**envelope(1), "seq": "1"}, {**envelope(1), "seq": True},
    {**envelope(1), "seq": 0}, {**envelope(1), "seq": -4}, {**envelope(1), "seq": 2**53}, {**envelope(1), "seq": 1.5},
    {k: v for k, v in envelope(1).items() if k != "data"},
    envelope(5, backlog="nope"), envelope(5, backlog=[envelope(1)] * 17), envelope(5, backlog=[{"name": "x"}]),
    envelope(5, backlog=[envelope(5)]), envelope(5, backlog=[envelope(6)]),
])
def test_a_value_that_is_not_an_envelope_is_refused(value):
    with pytest.raises(EventError) as error:
        parse_envelope(value)
    assert error.value.code == "invalid_event"


def test_a_value_that_is_not_json_is_refused():
    with pytest.raises(EventError):
        parse_envelope({"name": "onError", "data": object(), "source": "login", "seq": 1})


def test_names_outside_the_allowed_list_become_on_error_with_the_original():
    event = ComponentEvent("onSecret", {"x": 1}, "login", 4)
    converted = allow(event, DEFAULTS)
    assert converted.name == "onError" and converted.seq == 4
    assert converted.data["code"] == "event_not_allowed"
    assert (converted.data["event"], converted.data["data"]) == ("onSecret", {"x": 1})
    assert allow(ComponentEvent("onActionRequest", {}, "login", 1), ["onStatusUpdate"]).name == "onError"
    assert allow(ComponentEvent("onError", {}, "login", 1), []).name == "onError"
    assert allow(event, [*DEFAULTS, "onSecret"]) is event


def test_the_report_never_prints_tokens():
    data = {"status": "Logged in", "session": {"user": "Alice", "token": {
        "value": "ACCESS-TOKEN-TEXT", "value_id_token": "ID-TOKEN-TEXT", "expiry": 1}}}
    out = io.StringIO()
    print_report(ComponentEvent("onStatusUpdate", data, "login", 9), file=out)
    text = out.getvalue()
    assert "onStatusUpdate" in text and "Alice" in text and "seq 9" in text
    assert "ACCESS-TOKEN-TEXT" not in text and "ID-TOKEN-TEXT" not in text and "[redacted]" in text


def test_a_seq_no_real_clock_could_have_produced_is_refused():
    import time

    now_ms = int(time.time() * 1000)
    # A browser whose clock runs 10 minutes fast is fine.
    assert [e.seq for e in parse_envelope(envelope(now_ms + 600_000))] == [now_ms + 600_000]
    for forged in (2**53 - 1, now_ms + 2 * 86_400_000):
        for value in (envelope(forged), envelope(now_ms, backlog=[envelope(forged)])):
            with pytest.raises(EventError) as error:
                parse_envelope(value)
            assert error.value.code == "invalid_event" and "ahead of the server's clock" in error.value.message


def test_the_original_fields_come_from_the_verified_session_only():
    from streamlit_component.events import with_original_fields

    reported = {"status": "Logged in", "hostname": "forged", "isError": True,
                "sessioninfo": {"user": {"name": "Mallory"}, "token": {"value": "forged"}}}
    session = {"user": "Alice Example", "email": "alice@example.com",
               "token": {"value": "at", "value_id_token": "id", "expiry": 1_800_000_000},
               "claims": {"sub": "alice", "name": "Alice Example", "groups": ["staff"]}}
    data = with_original_fields(reported, session, "my app")
    assert (data["hostname"], data["message"], data["isError"], data["error"]) == ("my app", "Logged in", False, None)
    assert data["sessioninfo"] == {
        "user": {"sub": "alice", "name": "Alice Example", "email": "alice@example.com", "groups": ["staff"]},
        "token": {"value": "at", "value_id_token": "id", "expiry": 1_800_000_000},
    }
    logged_out = with_original_fields({"status": "Logged out", "sessioninfo": {"user": {}}}, None, "my app")
    assert logged_out["sessioninfo"] is None and logged_out["message"] == "Logged out"
