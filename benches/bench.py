"""`make bench`: shipped size, time to ready, the popup's time to the provider, change-to-event
latency, Python overhead and memory,
measured side by side with peer components in one run on this machine. Writes a markdown table
and a JSON file to bench/results/ (latest.md, latest.json and a timestamped copy of each) and
prints the table. Figures and ratios, never pass/fail.

    .venv/bin/python benches/bench.py            # the default run
    .venv/bin/python benches/bench.py --long     # memory over 10 minutes of heartbeats
    .venv/bin/python benches/bench.py --smoke    # sizes, one time-to-ready and one popup sample (make test)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import FRONTEND, RESULTS, chromium, log  # noqa: E402
import peers as peers_module  # noqa: E402
import report  # noqa: E402
import sizes as sizes_module  # noqa: E402

SECTIONS = ("sizes", "overhead", "ready", "popup", "change", "memory", "load")
SMOKE_SECTIONS = ("sizes", "ready", "popup")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="time-to-ready samples per component (default 20)")
    parser.add_argument("--changes", type=int, default=30, help="login-state changes per path (default 30)")
    parser.add_argument("--reruns", type=int, default=200, help="timed reruns for the Python overhead (default 200)")
    parser.add_argument("--long", action="store_true", help="memory over 10 minutes of heartbeats instead of 1")
    parser.add_argument("--memory-s", type=float, default=None, help="memory duration in seconds (overrides --long)")
    parser.add_argument("--smoke", action="store_true",
                        help="sizes, one time-to-ready and one popup sample; peers only if cached or downloadable")
    parser.add_argument("--load-sessions", type=int, default=20, help="concurrent sessions in the load run (default 20)")
    parser.add_argument("--load-s", type=float, default=300, help="load run duration in seconds (default 300)")
    parser.add_argument("--only", default=None, help=f"comma-separated sections to run, of {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory (default bench/results)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs = 1
    args.sections = SMOKE_SECTIONS if args.smoke else SECTIONS
    if args.only:
        chosen = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = set(chosen) - set(SECTIONS)
        if unknown:
            parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
        args.sections = tuple(s for s in SECTIONS if s in chosen)
    args.memory_duration_s = args.memory_s if args.memory_s is not None else (600.0 if args.long else 60.0)
    return args


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "–"


def run(args: argparse.Namespace) -> dict[str, Any]:
    import streamlit

    started = time.monotonic()
    results: dict[str, Any] = {"meta": {
        "started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "mode": "smoke" if args.smoke else ("long" if args.long else "default"),
        "args": {"runs": args.runs, "changes": args.changes, "reruns": args.reruns,
                 "memory_s": args.memory_duration_s, "load_sessions": args.load_sessions, "load_s": args.load_s,
                 "sections": list(args.sections)},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_start": _load()},
        "python": platform.python_version(), "streamlit": streamlit.__version__,
    }}
    log_dir = args.out / "logs" / ("smoke" if args.smoke else dt.datetime.now().strftime("%Y%m%d-%H%M%S"))

    peers, errors = {}, {}
    if {"sizes", "ready"} & set(args.sections):
        # The smoke run tolerates a missing network: peers are then reported as unavailable.
        peers, errors = peers_module.fetch_peers(download=True, timeout_s=60 if args.smoke else 300)
        for name, error in errors.items():
            log(f"peer {name} unavailable: {error}")
        if errors and not args.smoke:
            raise SystemExit(f"peers unavailable: {errors}")
    results["meta"]["peers"] = {name: peer.version for name, peer in peers.items()}
    results["meta"]["peer_errors"] = errors

    if "sizes" in args.sections:
        components = {"ours": sizes_module.measure(FRONTEND)}
        components.update({name: sizes_module.measure(peer.build) for name, peer in peers.items()})
        results["sizes"] = {"components": components}
        log("sizes: " + ", ".join(f"{n} {c['loaded']['total']['gzip']} B gzip" for n, c in components.items()))

    if "overhead" in args.sections:
        import overhead

        results["overhead"] = overhead.measure(args.reruns)

    browser_sections = {"ready", "popup", "change"} & set(args.sections)
    if browser_sections:
        with chromium() as browser:
            results["meta"]["browser"] = f"Chromium {browser.version}"
            if "ready" in args.sections:
                import ready

                oauth = peers.get("streamlit-oauth")
                results["ready"] = ready.measure(browser, args.runs, oauth.build if oauth else None, log_dir)
            if "popup" in args.sections:
                import popup

                results["popup"] = popup.measure(browser, max(1, args.runs // 2), log_dir)
            if "change" in args.sections:
                import change

                results["change"] = change.measure(browser, args.changes, log_dir)

    if "memory" in args.sections:
        import memory

        with chromium(memory.MEMORY_ARGS) as browser:
            results["meta"].setdefault("browser", f"Chromium {browser.version}")
            results["memory"] = memory.measure(browser, args.memory_duration_s, log_dir)

    if "load" in args.sections:
        import load

        results["load"] = load.measure(args.load_sessions, args.load_s, log_dir)

    results["meta"]["machine"]["load_end"] = _load()
    results["meta"]["duration_s"] = round(time.monotonic() - started, 1)
    results["targets"] = report.targets(results)
    return results


def write(results: dict[str, Any], out: Path, smoke: bool) -> tuple[Path, Path, str]:
    out.mkdir(parents=True, exist_ok=True)
    text = report.markdown(results)
    data = json.dumps(results, indent=1, sort_keys=False) + "\n"
    stem = "smoke" if smoke else "latest"
    md_path, json_path = out / f"{stem}.md", out / f"{stem}.json"
    md_path.write_text(text, encoding="utf-8")
    json_path.write_text(data, encoding="utf-8")
    if not smoke:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        (out / f"bench-{stamp}.md").write_text(text, encoding="utf-8")
        (out / f"bench-{stamp}.json").write_text(data, encoding="utf-8")
    return md_path, json_path, text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    md_path, json_path, text = write(results, args.out, args.smoke)
    print(text)
    log(f"wrote {md_path} and {json_path} in {results['meta']['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
