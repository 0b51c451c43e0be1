"""The results as a markdown report, and the targets (figures, not assertions)."""

from __future__ import annotations

from typing import Any

from sizes import KINDS

PEER = "streamlit-oauth"


def _kb(n: float | None) -> str:
    return "–" if n is None else f"{n / 1000:.1f} KB"


def _num(x: Any, unit: str = "") -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and x != x:  # NaN
        return "–"
    return f"{x:,}{unit}" if isinstance(x, int) else f"{x:,.1f}{unit}"


def _ratio(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}×" if x >= 0.1 else f"{x:.3f}×"


def _status(met: bool | None | str) -> str:
    if isinstance(met, str):
        return met
    return "not measured" if met is None else ("met" if met else "missed")


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the run's figure, the goal and whether it was met (None: not measured)."""
    out: list[dict[str, Any]] = []
    sizes = results.get("sizes", {}).get("components", {})
    ours, peer = sizes.get("ours"), sizes.get(PEER)
    if ours:
        figure = ours["loaded"]["total"]["gzip"]
        limit = 0.75 * peer["loaded"]["total"]["gzip"] if peer else None
        out.append({"id": "size", "what": "shipped gzip (loaded by index.html)",
                    "figure": f"{_kb(figure)} ({_ratio(figure / peer['loaded']['total']['gzip']) if peer else '–'} {PEER})",
                    "goal": f"≤ 0.75× {PEER} ({_kb(limit)})" if limit else f"≤ 0.75× {PEER}",
                    "met": (figure <= limit) if limit else None})
        shipped = ours["wheel"]["total"]["gzip"]
        out.append({"id": "size_shipped", "what": "shipped gzip (every file of the build, all chunks)",
                    "figure": f"{_kb(shipped)}" + (f" ({_ratio(shipped / peer['wheel']['total']['gzip'])} {PEER})"
                                                   if peer else ""),
                    "goal": "reported next to the first load", "met": "reported"})
    ready = results.get("ready", {}).get("components", {})
    if "ours" in ready:
        mine = ready["ours"]["component_ready_ms"]["median"]
        theirs = ready.get(PEER, {}).get("component_ready_ms", {}).get("median")
        out.append({"id": "time_to_ready", "what": "time to ready (componentReady), median",
                    "figure": f"{_num(mine, ' ms')} ({_ratio(mine / theirs) if theirs else '–'} {PEER})",
                    "goal": f"≤ 0.5× {PEER}" + (f" ({_num(0.5 * theirs, ' ms')})" if theirs else ""),
                    "met": (mine <= 0.5 * theirs) if theirs else None})
    change = results.get("change", {}).get("modes", {})
    if "storage" in change:
        p95 = change["storage"]["p95"]
        out.append({"id": "change_to_event", "what": "change to event p95 (storage event)",
                    "figure": _num(p95, " ms"), "goal": "≤ 100 ms",
                    "met": p95 <= 100 and change["storage"]["missed"] == 0})
    overhead = results.get("overhead")
    if overhead:
        p95 = overhead["rerun_us"]["p95"]
        out.append({"id": "python_overhead", "what": "Python overhead per rerun p95 (whole: host + Streamlit's component call)",
                    "figure": _num(p95, " µs"), "goal": "≤ 1000 µs", "met": p95 <= 1000})
        own = overhead["rerun_host_own_us"]["p95"]
        out.append({"id": "python_overhead_host_own", "what": "Python overhead per rerun p95 (the host's own share)",
                    "figure": _num(own, " µs"), "goal": "≤ 1000 µs", "met": own <= 1000})
    memory = results.get("memory")
    if memory:
        beating, control = memory["beating"], memory["control"]
        wasm = beating["wasm_bytes"]
        out.append({"id": "memory_wasm", "what": f"wasm memory growth over {memory['duration_s']:.0f} s of heartbeats",
                    "figure": f"{_num(wasm['growth'], ' B')} ({_num(wasm['start'], ' B')} → {_num(wasm['end'], ' B')})",
                    "goal": "no growth (0 B)", "met": wasm["growth"] == 0})
        heap = beating["js_heap_used_bytes"]
        beyond = memory["js_heap_growth_beyond_control"]
        allowance = heap["start"] // 100
        out.append({"id": "memory_js_heap",
                    "what": f"JS heap growth over {memory['duration_s']:.0f} s of heartbeats, beyond the control page's",
                    "figure": f"{_num(beyond, ' B')} ({_num(heap['growth'], ' B')} with beats, "
                              f"{_num(control['js_heap_used_bytes']['growth'], ' B')} without)",
                    "goal": f"no growth (≤ 1% of the heap, GC noise: {_num(allowance, ' B')})", "met": beyond <= allowance})
    load = results.get("load")
    if load:
        out.append({"id": "load_identity", "what": f"{load['sessions']} concurrent sessions for {load['duration_s']:.0f} s: "
                    "identity mix-ups and failed rounds",
                    "figure": f"{len(load['identity_mixups'])} mix-ups, {load['failed_rounds']} failed rounds, "
                              f"{load['failed_api_calls']} failed API calls, app errors {', '.join(load['app_errors']) or 'none'}",
                    "goal": "none", "met": not load["identity_mixups"] and not load["failed_rounds"]
                    and not load["failed_api_calls"] and not load["app_errors"]})
    return out


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        "# Bench results",
        "",
        f"{meta['started']} · {meta['duration_s']:.0f} s · mode `{meta['mode']}` · {meta['machine']['cpus']} cores, "
        f"load {meta['machine']['load_start']} → {meta['machine']['load_end']} · Python {meta['python']} · "
        f"Streamlit {meta['streamlit']} · {meta.get('browser') or 'Chromium –'}",
        "",
        "Peers: " + (", ".join(f"{n} {v}" for n, v in meta["peers"].items()) or "none")
        + ("" if not meta["peer_errors"] else " · unavailable: "
           + ", ".join(f"{n} ({e})" for n, e in meta["peer_errors"].items())),
        "",
        "## Targets",
        "",
        "| target | figure | goal | status |",
        "|---|---|---|---|",
    ]
    for t in results["targets"]:
        lines.append(f"| {t['what']} | {t['figure']} | {t['goal']} | {_status(t['met'])} |")

    sizes = results.get("sizes")
    if sizes:
        for view, title in (("loaded", "index.html and what it references: what a browser loads"),
                            ("wheel", "every html / js / wasm / css file of the build directory in the wheel")):
            lines += ["", f"## 1. Shipped frontend bytes: {view} ({title})", "",
                      "gzip -9 (raw) in bytes.", "",
                      "| component | " + " | ".join(KINDS) + " | total gzip | total raw | gzip vs " + PEER + " |",
                      "|---|" + "---:|" * (len(KINDS) + 3)]
            peer = sizes["components"].get(PEER)
            for name, measured in sizes["components"].items():
                table = measured[view]
                cells = [(f"{table['by_kind'][k]['gzip']:,} ({table['by_kind'][k]['raw']:,})"
                          if table["by_kind"][k]["files"] else "–") for k in KINDS]
                total = table["total"]
                rel = _ratio(total["gzip"] / peer[view]["total"]["gzip"]) if peer else "–"
                lines.append(f"| {name} | " + " | ".join(cells) + f" | {total['gzip']:,} | {total['raw']:,} | {rel} |")

    ready = results.get("ready")
    if ready:
        comps = ready["components"]
        names = list(comps)
        lines += ["", f"## 2. Time to ready ({ready['runs']} runs each, {ready['order']}; cold browser context per run)", "",
                  "Milliseconds from the iframe element's creation in Streamlit's page.", "",
                  "| metric | " + " | ".join(f"{n} median | {n} p95" for n in names)
                  + (" | ratio median | ratio p95 |" if len(names) > 1 else " |"),
                  "|---|" + "---:|" * (2 * len(names) + (2 if len(names) > 1 else 0))]
        labels = {"component_ready_ms": "`streamlit:componentReady`",
                  "first_text_paint_ms": "first non-empty paint (first frame whose body shows text)",
                  "rendered_view_paint_ms": "first frame with the rendered view (ours: the logged-out line; "
                                            "streamlit-oauth: its button's label)",
                  "first_contentful_paint_ms": "first-contentful-paint (browser)"}
        for metric, label in labels.items():
            row = [f"{_num(comps[n][metric]['median'])} | {_num(comps[n][metric]['p95'])}" for n in names]
            extra = ""
            if len(names) > 1:
                r = ready["ratios"][metric]
                extra = f" | {_ratio(r['median'])} | {_ratio(r['p95'])}"
            lines.append(f"| {label} | " + " | ".join(row) + extra + " |")

    popup = results.get("popup")
    if popup:
        lines += ["", f"## 2b. The login popup: click to the provider's page ({popup['runs']} runs, local provider)", "",
                  "Milliseconds from the click on \"Click to login...\" to the popup's document at the provider "
                  "(`domcontentloaded`). Cold: a new browser context; cached: the app opened again in that context "
                  "(the component's bundle in the HTTP cache). The login's code is a chunk loaded on first use: "
                  "cold, the frame fetches it as the pointer reaches the button, just before the click; "
                  "cached, it comes from the cache.", "",
                  "| cache | n | p50 | p95 | min | max |", "|---|---:|---:|---:|---:|---:|"]
        for key, label in (("cold_ms", "cold"), ("cached_ms", "cached")):
            s = popup[key]
            lines.append(f"| {label} | {s['n']} | {_num(s['median'])} | {_num(s['p95'])} | {_num(s['min'])} | {_num(s['max'])} |")

    change = results.get("change")
    if change:
        lines += ["", f"## 3. Login-state change to Python ({change['changes']} changes per path; "
                  f"{change['component']}, heartbeat {change['heartbeat_s']} s)", "",
                  "Milliseconds from the write into localStorage (another page of the origin) to the "
                  "app's Python handling the `onStatusUpdate`.", "",
                  "| path | n | p50 | p95 | min | max | missed | vs target ≤ 100 ms (p95) |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        r = change["storage_to_heartbeat_ratio"]
        names = {"storage": "storage event (as shipped)",
                 "heartbeat": "heartbeat only (`storage` listeners blocked in the frame: "}
        for mode, m in change["modes"].items():
            label = names[mode] + (f"{m['storage_listeners_blocked']})" if mode == "heartbeat" else "")
            lines.append(f"| {label} | {m['n']} | {_num(m['median'])} | {_num(m['p95'])} | {_num(m['min'])} | "
                         f"{_num(m['max'])} | {m['missed']} | "
                         + (_status(m['p95'] <= 100 and m['missed'] == 0) if mode == "storage" else "comparison only") + " |")
        lines += ["", f"Storage event vs heartbeat only: {_ratio(r['median'])} at p50, {_ratio(r['p95'])} at p95."]

    overhead = results.get("overhead")
    if overhead:
        lines += ["", "## 4. Python host overhead (µs; fake provider on loopback, RS256 tokens)", "",
                  "| what | n | p50 | p95 | min | max |", "|---|---:|---:|---:|---:|---:|"]
        rows = {"rerun_us": "per rerun, logged in, JWKS cached: `ComponentHost(...)` + `run_component`",
                "rerun_streamlit_component_call_us": "… of which Streamlit's component call",
                "rerun_host_own_us": "… of which the host's own share",
                "warm_verification_us": "a new login verified, JWKS cached (`verify_session`)",
                "cold_verification_us": "cold first verification: discovery + JWKS fetched, then verified"}
        for key, label in rows.items():
            s = overhead[key]
            lines.append(f"| {label} | {s['n']} | {_num(s['median'])} | {_num(s['p95'])} | {_num(s['min'])} | {_num(s['max'])} |")
        lines.append(f"| cold first rerun of the app (verifier made, discovery + JWKS, login verified) "
                     f"| 1 | {_num(overhead['cold_first_rerun_us'])} | | | |")
        lines.append(f"| … of which Streamlit's first component call (one-time: its lazy imports, pandas and pyarrow) | 1 | "
                     f"{_num(overhead['cold_first_rerun_streamlit_component_call_us'])} | | | |")

    memory = results.get("memory")
    if memory:
        lines += ["", f"## 5. Memory over {memory['duration_s']:.0f} s (logged in; samples every 10 s after a forced GC)", "",
                  "The JS heap is the page's: Streamlit's page and the component's frame share it. The control "
                  "page is the same app whose heartbeat does not beat in the window.", "",
                  "| page | what | start | end | growth | growth in the second half | max | storage reads |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for name in ("beating", "control"):
            page = memory[name]
            label = f"{name} (heartbeat_s = {page['heartbeat_s']})"
            for what, key in (("wasm memory (the component's)", "wasm_bytes"), ("JS heap used", "js_heap_used_bytes")):
                m = page[key]
                lines.append(f"| {label} | {what} | {_num(m['start'])} B | {_num(m['end'])} B | {_num(m['growth'])} B | "
                             f"{_num(m['second_half_growth'])} B | {_num(m['max'])} B | {page['storage_reads']} |")
    load = results.get("load")
    if load:
        rss = load["server_rss_bytes"]
        lines += ["", f"## 6. Load: {load['sessions']} concurrent sessions for {load['duration_s']:.0f} s", "",
                  "Each session is its own browser context and user: login through the popup, the demo API "
                  f"called through Python every 3 s, held over refreshes (tokens live {load['token_ttl_s']} s), "
                  "logout, again.", "",
                  "| logins | per minute | popup close → verified login, median | p95 | refresh grants | API calls (failed) "
                  "| failed rounds | app errors | identity mix-ups | server RSS start → end (max) | RSS growth, second half |",
                  "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
                  f"| {load['logins']} | {load['logins_per_minute']} | {_num(load['popup_close_to_verified_ms']['median'])} ms | "
                  f"{_num(load['popup_close_to_verified_ms']['p95'])} ms | {load['refresh_grants']} | "
                  f"{load['api_calls']} ({load['failed_api_calls']}) | {load['failed_rounds']} | "
                  f"{', '.join(load['app_errors']) or 'none'} | {len(load['identity_mixups'])} | "
                  f"{_kb(rss['start'])} → {_kb(rss['end'])} ({_kb(rss['max'])}) | {_kb(rss['second_half_growth'])} |"]
        lines += [f"- {failure}" for failure in load["failures"]]
    lines.append("")
    return "\n".join(lines)
