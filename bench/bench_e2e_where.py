"""Where the end-to-end cost of our functions goes, run on demand: `.venv/bin/python bench/bench_e2e_where.py`.

The same server and chats as `bench_e2e.py` (one real Open WebUI 0.12.4, the fake upstream in its own process,
`POST /api/chat/completions` as a normal user, 8 at a time), with `bench/where_site/sitecustomize.py` loaded into the
server: it times Open WebUI's per-hook filter work and our functions' work in CPU milliseconds of the calling thread,
per chat. Configurations take turns (A ours, B the no-op filter, B2 the no-op with our settings' shape, and the
diagnostic ones below); per configuration the medians over the rounds of each cause and of each thread's CPU.

- B2u: B2 with `__user__` named by both hooks (our outlet named it before e2efast; Open WebUI then reads the user's
  valves before the outlet too)
- B3: B2 without `__user__` in either hook (Open WebUI applies the Valves only)
- P: the no-op filter padded with comments to our filter's size (Open WebUI reads and compares a filter's whole
  source several times per chat)
- F: our filter alone (the pipe and the action off)

The timers add their own cost (a few µs per timed call), so totals are higher than in `bench_e2e.py`; read the causes
against each other within one run. Nested causes include what they call (`process_filter_functions` includes the
hooks and the settings it applies; `_poll` includes the `_flush` it starts).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_e2e as e2e  # noqa: E402  (this folder is on sys.path when a bench runs as a script)
from tables import Table  # noqa: E402

CONFIGS = ("A", "B", "B2", "B2u", "B3", "P", "F")
EXTRA = {
    "B2u": ("bench_b2u_filter", "no-op, our Valves/UserValves, __user__ at both hooks"),
    "B3": ("bench_b3_filter", "no-op, our Valves, no __user__"),
}
CLK = os.sysconf("SC_CLK_TCK")


def variant(source: str, user: bool) -> str:
    """B2's source with both hooks naming `__user__` (`user`), or neither."""
    params = "body: dict, __user__: Optional[dict] = None" if user else "body: dict"
    hook = re.compile(r"    def (inlet|outlet)\(self, [^)]*\) -> dict:")
    source, hooks = hook.subn(rf"    def \1(self, {params}) -> dict:", source)
    assert hooks == 2
    return source


def thread_cpu(pid: int) -> dict[str, float]:
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        out[tid] = (int(fields[11]) + int(fields[12])) / CLK
    return out


def snapshot(pid: int, out: Path) -> dict[str, Any]:
    out.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not out.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the server wrote no timings (is bench/where_site on its PYTHONPATH?)")
        time.sleep(0.02)
    data = json.loads(out.read_text())
    data["cpu"] = thread_cpu(pid)
    return data


def thread_kind(name: str) -> str:
    if "_connection_worker" in name:
        return "Open WebUI's database threads (aiosqlite)"
    return re.sub(r"[-_]\d+$", "", re.sub(r"-\d+ ", " ", name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200, help="timed chats per run (default 200)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every configuration (default 2)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"default {','.join(CONFIGS)}")
    parser.add_argument("--stream", action="store_true", help="streamed chats (default: not streamed)")
    args = parser.parse_args()
    args.concurrency = e2e.CONCURRENCY
    configs = args.configs.split(",")
    from tests.e2e.fake_upstream import MODEL_GPT
    from tests.e2e.owui import OpenWebUI

    upstream = e2e.UpstreamProcess().start()
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="owm-bench-where-") as tmp:
        out = Path(tmp) / "timings.json"
        owui = OpenWebUI(
            Path(tmp) / "owui",
            upstream.base_url,
            extra_env={"PYTHONPATH": str(ROOT / "bench" / "where_site"), "OWM_WHERE_OUT": str(out)},
        )
        try:
            owui.start()
            pid = owui._proc.pid  # type: ignore[union-attr]
            owui.create_model_record(MODEL_GPT, MODEL_GPT)
            user = owui.add_user("Bench User", "bench-user@example.com", "bench-user-pass")
            shaped = e2e.shaped_noop_source()
            size = len((ROOT / e2e.OURS[0][2]).read_text())
            padding = "# " + "x" * 97 + "\n"
            sources = {
                e2e.NOOP_ID: e2e.NOOP_SOURCE,
                e2e.SHAPED_ID: shaped,
                EXTRA["B2u"][0]: variant(shaped, user=True),
                EXTRA["B3"][0]: variant(shaped, user=False),
                e2e.PADDED_ID: e2e.NOOP_SOURCE + padding * max(0, (size - len(e2e.NOOP_SOURCE)) // len(padding)),
            }
            for fid, text in sources.items():
                path = Path(tmp) / f"{fid}.py"
                path.write_text(text)
                owui.install_function(fid, fid, path, make_global=True)
            for fid, name, filename, glob in e2e.OURS:
                valves = e2e.VALVES if fid == e2e.FILTER_ID else None
                owui.install_function(fid, name, ROOT / filename, make_global=glob, valves=valves)
            for config, (fid, label) in EXTRA.items():
                e2e.SETUPS[config] = (label, {fid: True})
            bench = e2e.Bench(owui, e2e.ServerProcs(pid), upstream, user["token"], args)
            for rnd in range(args.rounds):
                k = rnd % len(configs)
                for config in configs[k:] + configs[:k]:
                    for fid in sources:  # configure() knows only bench_e2e's own functions: the others off first
                        if fid not in e2e.SETUPS[config][1] and owui.get_function(fid)["is_active"]:
                            bench.set_function(fid, False)
                    bench.configure(config)
                    bench.warm(2 * args.concurrency)
                    before = snapshot(pid, out)
                    result = bench.run_chats(args.chats, args.stream)
                    after = snapshot(pid, out)
                    n = args.chats
                    causes = {k: (v - before["acc"].get(k, 0.0)) / n * 1e3 for k, v in after["acc"].items()}
                    calls = {k: (v - before["cnt"].get(k, 0)) / n for k, v in after["cnt"].items()}
                    threads: dict[str, float] = defaultdict(float)
                    for tid, cpu in after["cpu"].items():
                        kind = thread_kind(after["threads"].get(tid, "?"))
                        threads[kind] += (cpu - before["cpu"].get(tid, 0.0)) / n * 1e3
                    runs[config].append({"result": result, "causes": causes, "calls": calls, "threads": threads})
                    print(
                        f"  round {rnd + 1} {config}: {result['rate']:.1f} chats/s,"
                        f" server CPU {result['cpu_ms']:.1f} ms/chat",
                        flush=True,
                    )
            if bench.errors:
                print(f"  {len(bench.errors)} chats failed, first: {bench.errors[0]}")
        finally:
            owui.stop()
            upstream.stop()

    def med(config: str, part: str, key: str) -> float:
        return statistics.median(run[part].get(key, 0.0) for run in runs[config])

    mode = "stream" if args.stream else "non-stream"
    print(f"\nCPU ms per chat ({mode}; median of {args.rounds} runs of {args.chats} chats; calls per chat in brackets)")
    table = Table()
    causes = sorted({k for runs_ in runs.values() for run in runs_ for k in run["causes"]})
    for cause in causes:
        table.row(cause, *(f"{med(c, 'causes', cause):.3f} ({med(c, 'calls', cause):.1f})" for c in configs))
    threads = sorted({k for runs_ in runs.values() for run in runs_ for k in run["threads"]})
    for kind in threads:
        if max(med(c, "threads", kind) for c in configs) >= 0.05:
            table.row(f"thread: {kind}", *(f"{med(c, 'threads', kind):.2f}" for c in configs))
    for label, key, digits in (("server CPU, all threads", "cpu_ms", 2), ("chats/s", "rate", 1)):
        table.row(label, *(f"{statistics.median(r['result'][key] for r in runs[c]):.{digits}f}" for c in configs))
    table.print(("cause", *configs))
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())
