"""Bench app: the raw component; each new `onStatusUpdate` it sends (backlog first, by `seq`) is
appended to the file BENCH_EVENT_LOG as one JSON line with Python's wall clock (`time.time()`)
and the session's access-token value, when Python handles it. `ack` is sent as docs/events.md
says. The component's heartbeat is the query parameter `heartbeat_s`, else BENCH_HEARTBEAT_S."""

import json
import os
import time

import streamlit as st

from streamlit_component import login

st.title("Bench app")
state = st.session_state.setdefault("bench", {"last_seq": 0, "handled": 0})
value = login(key="login", issuer=os.environ["BENCH_ISSUER"], client_id="bench-client", hostname="bench",
              heartbeat_s=int(st.query_params.get("heartbeat_s") or os.environ.get("BENCH_HEARTBEAT_S", "2")), ack=state["last_seq"])
if isinstance(value, dict):
    entries = [e for e in [*(value.get("backlog") or []), value] if isinstance(e, dict)]
    lines = []
    for entry in entries:
        seq = entry.get("seq")
        if not isinstance(seq, int) or seq <= state["last_seq"]:
            continue
        state["last_seq"] = seq
        if entry.get("name") != "onStatusUpdate":
            continue
        now = time.time()
        data = entry.get("data") or {}
        token = ((data.get("session") or {}).get("token") or {}).get("value")
        lines.append(json.dumps({"t": now, "seq": seq, "status": data.get("status"),
                                 "reason": data.get("reason"), "token": token}))
        state["handled"] += 1
    if lines:
        with open(os.environ["BENCH_EVENT_LOG"], "a", encoding="utf-8") as log:
            log.write("\n".join(lines) + "\n")
st.text(f"events handled: {state['handled']}")
