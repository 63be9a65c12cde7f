"""End-to-end bench, run on demand (not part of the test suite): `.venv/bin/python bench/bench_e2e.py`.

One real Open WebUI 0.12.4 server (loopback, own temporary DATA_DIR, offline) in front of the e2e tests' fake
OpenAI upstream (zero latency, reports usage; run in its own process so it does not share the bench's GIL).
Chats per second through `POST /api/chat/completions` as a normal user with a balance, in three configurations
taking turns on the same server: (A) our three functions active, the filter global; (B) a no-op global filter in
their place; (C) no filter. Also the server's RSS with and without our functions, and an in-process figure from a
plain Python subprocess running Filter turns against a temporary SQLite file. Exits 1 when configuration A's
chats are not billed exactly (or B/C's are billed at all), or when a chat fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tables import Table  # noqa: E402  (this folder is on sys.path when a bench runs as a script)

# Defaults keep the whole run near 4 minutes on 2 idle cores (server start included).
CHATS = 150  # timed chats per run (one configuration, one mode)
ROUNDS = 5
CONCURRENCY = 8
MEM_CHATS = 200  # chats per memory step (half non-stream, half stream)
INPROC_TURNS = 2000  # Filter turns in the in-process memory subprocess
QUICK = {"chats": 40, "rounds": 2, "mem_chats": 60, "inproc_turns": 400}

OURS = (
    ("openwebui_monitor_filter", "OpenWebUI Monitor", "openwebui_monitor_filter.py", True),
    ("openwebui_monitor_pipe", "Usage Monitor", "openwebui_monitor_pipe.py", False),
    ("admin_action", "OpenWebUI Monitor Actions", "admin_action.py", True),
)
NOOP_ID = "bench_noop_filter"
NOOP_SOURCE = '''"""
title: Bench no-op filter
description: Returns the body unchanged (bench/bench_e2e.py baseline).
"""


class Filter:
    def __init__(self):
        pass

    def inlet(self, body: dict) -> dict:
        return body

    def outlet(self, body: dict) -> dict:
        return body
'''
INIT_BALANCE = 1000.0  # currency units given to the bench user on the first billed chat (1e9 micro-units)
PRICE_PER_1M = 60  # the filter's default input and output price per 1M tokens
VALVES = {"init_balance": INIT_BALANCE, "language": "en"}
SHAPED_ID = "bench_shaped_noop_filter"  # B2: no-op with our filter's Valves/UserValves and a __user__ parameter


def shaped_noop_source() -> str:
    """B2's source: NOOP_SOURCE's filter plus pydantic Valves/UserValves with the same fields, types and defaults
    as plugin/functions/filter.py's (no validators), and hooks taking __user__ where ours do (the inlet; since
    e2efast not the outlet), so Open WebUI applies the user's valves where it does for ours."""
    import inspect

    from plugin.functions.filter import Filter

    def hook(name: str) -> str:
        user = "__user__" in inspect.signature(getattr(Filter, name)).parameters
        params = "body: dict, __user__: Optional[dict] = None" if user else "body: dict"
        return f"    def {name}(self, {params}) -> dict:\n        return body\n"

    def fields(model: Any) -> str:
        out = []
        for name, info in model.model_fields.items():
            ann = info.annotation
            ann_s = ann.__name__ if isinstance(ann, type) else str(ann).replace("typing.", "")
            out.append(f"        {name}: {ann_s} = {info.get_default(call_default_factory=True)!r}")
        return "\n".join(out) or "        pass"

    return (
        '"""\ntitle: Bench shaped no-op filter\ndescription: No-op with our settings shape (bench B2).\n"""\n\n'
        "from typing import Any, Literal, Optional  # noqa: F401\n\nfrom pydantic import BaseModel\n\n\nclass Filter:\n"
        f"    class Valves(BaseModel):\n{fields(Filter.Valves)}\n\n"
        f"    class UserValves(BaseModel):\n{fields(Filter.UserValves)}\n\n"
        "    def __init__(self):\n        self.valves = self.Valves()\n\n"
        f"{hook('inlet')}\n{hook('outlet')}"
    )


PADDED_ID = "bench_padded_noop_filter"  # --diagnose: the no-op filter padded with comments to our filter's size
FILTER_ID = OURS[0][0]
# Which functions each configuration has active, with their global flag (None: a pipe, no such flag).
SETUPS: dict[str, tuple[str, dict[str, bool | None]]] = {
    "A": ("ours (filter+pipe+action)", {fid: (True if glob else None) for fid, _n, _f, glob in OURS}),
    "B": ("no-op global filter", {NOOP_ID: True}),
    "B2": ("no-op filter, our Valves/UserValves shape", {SHAPED_ID: True}),
    "C": ("no filter", {}),
    "F": ("our filter alone", {FILTER_ID: True}),
    "P": ("no-op filter padded to our size", {PADDED_ID: True}),
}
CONFIGS = ("A", "B", "B2", "C")
DIAGNOSE_CONFIGS = ("A", "B", "B2", "C", "F", "P")
MODES = ("non-stream", "stream")
TARGET_RATIO = 0.97
TARGET_MB = 40.0


# -- /proc helpers -----------------------------------------------------------------------------------


def group_pids(pgid: int) -> list[int]:
    """Every live process in process group `pgid` (the server runs in its own session)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return sorted(pids)


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerProcs:
    def __init__(self, pgid: int) -> None:
        self.pgid = pgid

    def rss_mb(self) -> float:
        return sum(rss_kb(p) for p in group_pids(self.pgid)) / 1024

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in group_pids(self.pgid))

    def describe(self) -> str:
        pids = group_pids(self.pgid)
        return f"{len(pids)} process(es) in the server's group: {', '.join(map(str, pids))}"


# -- the fake upstream, in its own process ------------------------------------------------------------


def serve_upstream() -> int:
    """Child mode: run tests/e2e/fake_upstream.py's server until stdin closes."""
    from tests.e2e.fake_upstream import FakeUpstream

    upstream = FakeUpstream().start()
    print(upstream.base_url, flush=True)
    try:
        sys.stdin.read()
    finally:
        upstream.stop()
    return 0


class UpstreamProcess:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.base_url = ""

    def start(self) -> UpstreamProcess:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--_upstream"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"fake upstream did not start (said {self.base_url!r})")
        return self

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid) if self.proc else 0.0

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, OSError):
            proc.kill()
            proc.wait(timeout=10)


# -- in-process memory: a plain Python subprocess, no Open WebUI ----------------------------------------


def inprocess(turns: int, trace: bool, preload: list[str]) -> int:
    """Child mode: RSS (or tracemalloc) of importing the library the functions embed and running Filter turns
    against a temporary SQLite file. What Open WebUI has loaded anyway is imported first: logging, sqlite3,
    asyncio and pydantic always, and the modules in `preload` (e.g. numpy and pandas, which sqlite_utils imports
    when they are installed)."""
    import importlib
    import logging  # noqa: F401  (preloaded: Open WebUI has all of these loaded before any function)
    import sqlite3 as _sqlite3
    import tracemalloc
    import uuid

    import pydantic  # noqa: F401

    for name in preload:
        importlib.import_module(name)
    gc.collect()
    rss0 = rss_kb(os.getpid())
    if trace:
        tracemalloc.start()
    cpu_import = time.process_time()
    from plugin.functions.action import Action  # noqa: F401
    from plugin.functions.filter import Filter
    from plugin.functions.pipe import Pipe  # noqa: F401

    cpu_import = time.process_time() - cpu_import
    gc.collect()
    rss1 = rss_kb(os.getpid())
    traced_import = tracemalloc.get_traced_memory()[0] if trace else 0
    if trace:
        tracemalloc.reset_peak()

    async def run(tmp: Path) -> tuple[float, int]:
        flt = Filter()
        flt.valves = flt.Valves(db_path=str(tmp / "monitor.db"), init_balance=INIT_BALANCE)
        user = {"id": "u-inproc", "name": "In Process", "email": "inproc@example.com", "role": "user"}
        model = {"id": "fake-gpt"}
        events = 0

        async def emitter(event: dict) -> None:
            nonlocal events
            events += 1

        cpu = 0.0
        for i in range(turns):
            if i == min(50, turns // 10):
                cpu = time.process_time()
            # The API path's shapes in 0.12.4: no chat id, a random message id (see tests/e2e/owui.py chat_api).
            message_id = f"msg_{uuid.uuid4().hex}"
            metadata = {"chat_id": "", "message_id": message_id, "model": model, "user_message": {}}
            messages = [{"role": "user", "content": "hello"}]
            body = {"model": "fake-gpt", "messages": messages, "stream": False, "metadata": metadata}
            await flt.inlet(body, __user__=user, __metadata__=metadata, __model__=model)
            reply = {"role": "assistant", "content": "Hello from fake model.", "id": message_id}
            reply["usage"] = {"input_tokens": 11, "output_tokens": 5}
            out = {"model": "fake-gpt", "chat_id": "", "id": message_id, "messages": [*messages, reply]}
            await flt.outlet(out, __user__=user, __metadata__=metadata, __model__=model, __event_emitter__=emitter)
            await flt.settled()  # the charge commits after the outlet returns; count its CPU too
        cpu = (time.process_time() - cpu) / max(1, turns - min(50, turns // 10))
        con = _sqlite3.connect(tmp / "monitor.db")
        rows = con.execute("SELECT COUNT(*) FROM usage").fetchone()[0]
        con.close()
        return cpu, rows

    with tempfile.TemporaryDirectory(prefix="owm-bench-e2e-inproc-") as tmp_name:
        cpu_turn, rows = asyncio.run(run(Path(tmp_name)))
        gc.collect()
        rss2 = rss_kb(os.getpid())
        peak = traced_now = 0
        if trace:
            traced_now, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        from plugin import store

        for db in list(store._stores.values()):
            db.close()
        store._stores.clear()
    print(
        json.dumps(
            {
                "rss0": rss0,
                "rss_import": rss1,
                "rss_turns": rss2,
                "traced_import": traced_import,
                "traced_after": traced_now,
                "traced_peak": peak,
                "cpu_turn": cpu_turn,
                "cpu_import": cpu_import,
                "rows": rows,
            }
        )
    )
    return 0


def run_inprocess(turns: int, trace: bool, preload: list[str]) -> dict:
    args = [sys.executable, __file__, "--_inprocess", str(turns), "--_preload", ",".join(preload)]
    args += ["--_trace"] if trace else []
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"in-process subprocess failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- driving the server ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, owui: Any, procs: ServerProcs, upstream: UpstreamProcess, token: str, args: Any) -> None:
        self.owui = owui
        self.procs = procs
        self.upstream = upstream
        self.token = token
        self.args = args
        self.errors: list[str] = []

    # functions

    def function_state(self, fid: str) -> tuple[bool, bool]:
        record = self.owui.get_function(fid)
        if record is None:
            raise RuntimeError(f"function {fid} is not installed")
        return bool(record["is_active"]), bool(record["is_global"])

    def set_function(self, fid: str, active: bool, is_global: bool | None = None) -> None:
        """The toggle endpoints flip a flag, so read the state first and flip only what differs."""
        now_active, now_global = self.function_state(fid)
        if is_global is not None and now_global != is_global:
            self.owui.request("POST", f"/api/v1/functions/id/{fid}/toggle/global")
        if now_active != active:
            self.owui.request("POST", f"/api/v1/functions/id/{fid}/toggle")
        got = self.function_state(fid)
        if got[0] != active or (is_global is not None and got[1] != is_global):
            raise RuntimeError(f"{fid}: state {got}, wanted active={active} global={is_global}")

    def configure(self, config: str) -> None:
        """Switch to one of SETUPS: deactivate every other installed function first (so two filters never run
        together), then activate this configuration's, with their global flag."""
        wanted = SETUPS[config][1]
        for fid in (*(f[0] for f in OURS), NOOP_ID, SHAPED_ID, PADDED_ID):
            if fid not in wanted and self.owui.get_function(fid) is not None:
                self.set_function(fid, False)
        for fid, is_global in wanted.items():
            self.set_function(fid, True, is_global)

    # chats

    async def one_chat(self, client: Any, stream: bool) -> float:
        from tests.e2e.fake_upstream import MODEL_GPT, REPLY_TEXT

        body = {"model": MODEL_GPT, "messages": [{"role": "user", "content": "hello"}], "stream": stream}
        headers = {"Authorization": f"Bearer {self.token}"}
        t0 = time.perf_counter()
        if not stream:
            r = await client.post("/api/chat/completions", json=body, headers=headers)
            text = ""
            if r.status_code == 200:
                try:
                    text = r.json()["choices"][0]["message"]["content"]
                except (ValueError, KeyError, IndexError, TypeError):
                    text = ""
            if r.status_code != 200 or text != REPLY_TEXT:
                self.errors.append(f"non-stream {r.status_code}: {r.text[:300]}")
        else:
            pieces: list[str] = []
            async with client.stream("POST", "/api/chat/completions", json=body, headers=headers) as r:
                status = r.status_code
                async for line in r.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        continue
                    try:
                        chunk = json.loads(data)
                    except ValueError:
                        continue
                    for choice in (chunk.get("choices") or []) if isinstance(chunk, dict) else []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            pieces.append(piece)
            if status != 200 or "".join(pieces) != REPLY_TEXT:
                self.errors.append(f"stream {status}: {''.join(pieces)[:300]!r}")
        return time.perf_counter() - t0

    async def chats(self, n: int, stream: bool, concurrency: int) -> tuple[float, list[float]]:
        import httpx

        latencies: list[float] = []
        remaining = iter(range(n))
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=self.owui.base_url, timeout=120, limits=limits) as client:

            async def worker() -> None:
                for _ in remaining:
                    latencies.append(await self.one_chat(client, stream))

            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
            wall = time.perf_counter() - t0
        return wall, latencies

    def run_chats(self, n: int, stream: bool) -> dict:
        """n timed chats; also the server's and the upstream's CPU seconds spent meanwhile."""
        cpu0, up0 = self.procs.cpu(), self.upstream.cpu()
        wall, latencies = asyncio.run(self.chats(n, stream, self.args.concurrency))
        cpu, up = self.procs.cpu() - cpu0, self.upstream.cpu() - up0
        return {
            "n": n,
            "wall": wall,
            "rate": n / wall,
            "ms": wall / n * 1e3,
            "p50": statistics.median(latencies) * 1e3,
            "cpu_ms": cpu / n * 1e3,
            "up_ms": up / n * 1e3,
        }

    def warm(self, n: int) -> None:
        for stream in (False, True):
            asyncio.run(self.chats(n, stream, self.args.concurrency))


# -- the monitor's SQLite file ----------------------------------------------------------------------------


class Ledger:
    """Reads DATA_DIR/openwebui_monitor/monitor.db (read-only; the server owns it)."""

    def __init__(self, path: Path, user_id: str) -> None:
        self.path = path
        self.user_id = user_id

    def snapshot(self) -> tuple[int, int, int]:
        """(usage rows, sum of their cost, balance) for the bench user; zeros before the file exists."""
        if not self.path.exists():
            return 0, 0, 0
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            rows, cost = con.execute(
                "SELECT COUNT(*), COALESCE(SUM(cost), 0) FROM usage WHERE user_id = ?", (self.user_id,)
            ).fetchone()
            row = con.execute("SELECT balance FROM users WHERE id = ?", (self.user_id,)).fetchone()
            ledger_sum = con.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE user_id = ?", (self.user_id,)
            ).fetchone()[0]
        except sqlite3.OperationalError:
            return 0, 0, 0
        finally:
            con.close()
        balance = row[0] if row else 0
        if row and balance != ledger_sum:
            raise RuntimeError(f"balance {balance} != SUM(ledger.amount) {ledger_sum}")
        return rows, cost, balance

    def settled(self, expected_rows: int, timeout: float = 15.0) -> tuple[int, int, int]:
        """Stream outlets may finish just after the client has read the last chunk: wait for the rows."""
        deadline = time.monotonic() + timeout
        while True:
            snap = self.snapshot()
            if snap[0] >= expected_rows or time.monotonic() > deadline:
                return snap
            time.sleep(0.1)


# -- reporting --------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def bundle_note() -> str:
    try:
        from plugin.tools.bundle import stale_bundles

        stale = stale_bundles(ROOT)
    except Exception as exc:
        return f"bundle freshness unknown ({exc})"
    return f"STALE generated files vs plugin/: {', '.join(stale)}" if stale else "generated files match plugin/"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=None, help=f"timed chats per run (default {CHATS})")
    parser.add_argument("--rounds", type=int, default=None, help=f"rounds of A B C (default {ROUNDS})")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help=f"default {CONCURRENCY}")
    parser.add_argument("--mem-chats", type=int, default=None, help=f"chats per memory step (default {MEM_CHATS})")
    parser.add_argument("--inproc-turns", type=int, default=None, help=f"default {INPROC_TURNS}")
    parser.add_argument("--no-stream", action="store_true", help="time non-stream chats only")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also run F (our filter alone) and P (the no-op filter padded to our filter's size) in the rotation",
    )
    parser.add_argument("--quick", action="store_true", help="small counts for a quick look (~1.5 min)")
    parser.add_argument("--dir", default=None, help="where to make the temporary directory")
    parser.add_argument("--keep-log", default=None, metavar="PATH", help="copy the server's log to PATH at the end")
    parser.add_argument("--_upstream", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_inprocess", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--_trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_preload", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._upstream:
        return serve_upstream()
    if args._inprocess:
        return inprocess(args._inprocess, args._trace, [m for m in args._preload.split(",") if m])
    defaults = QUICK if args.quick else {}
    args.chats = args.chats or defaults.get("chats", CHATS)
    args.rounds = args.rounds or defaults.get("rounds", ROUNDS)
    args.mem_chats = args.mem_chats or defaults.get("mem_chats", MEM_CHATS)
    args.inproc_turns = args.inproc_turns or defaults.get("inproc_turns", INPROC_TURNS)
    if min(args.chats, args.rounds, args.concurrency, args.mem_chats, args.inproc_turns) < 1:
        parser.error("counts must be positive")

    sys.stdout.reconfigure(line_buffering=True)  # progress shows when the output goes to a file or a pipe

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    started = time.perf_counter()
    try:
        return bench(args)
    finally:
        print(f"\ntotal {time.perf_counter() - started:.1f} s")


HEAVY = ("numpy", "pandas", "pyarrow")  # sqlite_utils imports numpy and pandas when they are installed


def loaded_in(pid: int, packages: tuple[str, ...]) -> list[str]:
    """Which of `packages` have a compiled extension mapped into process `pid` (i.e. are imported there)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return []
    return [name for name in packages if f"/site-packages/{name}/" in maps]


def bench(args: Any) -> int:
    import httpx

    from tests.e2e.fake_upstream import COMPLETION_TOKENS, MODEL_GPT, PROMPT_TOKENS
    from tests.e2e.owui import OpenWebUI

    modes = MODES[:1] if args.no_stream else MODES
    configs = DIAGNOSE_CONFIGS if args.diagnose else CONFIGS
    billed_configs = {c for c in configs if FILTER_ID in SETUPS[c][1]}
    cost_per_chat = (PROMPT_TOKENS + COMPLETION_TOKENS) * PRICE_PER_1M  # micro-units: 60e6 micro / 1M tokens
    init_micro = round(INIT_BALANCE * 1_000_000)
    print(
        f"OpenWebUI Monitor e2e bench — open-webui {importlib.metadata.version('open-webui')},"
        f" Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, httpx {httpx.__version__},"
        f" {os.cpu_count()} CPUs ({cpu_model()}), load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"runs: {args.chats} chats each at concurrency {args.concurrency}, {args.rounds} rounds of"
        f" {' '.join(configs)} (order rotated each round), modes {', '.join(modes)}; memory steps of"
        f" {args.mem_chats} chats; in-process {args.inproc_turns} Filter turns"
    )
    print(
        f"chat: API path, model {MODEL_GPT}, usage {PROMPT_TOKENS}+{COMPLETION_TOKENS} tokens, zero-latency upstream"
        f" in its own process; billing at {PRICE_PER_1M}/1M in+out = {cost_per_chat} micro-units per chat;"
        f" {bundle_note()}\n"
    )

    problems: list[str] = []
    errors: list[str] = []
    upstream = UpstreamProcess()
    owui = None
    heavy: list[str] = []
    with tempfile.TemporaryDirectory(prefix="owm-bench-e2e-", dir=args.dir, ignore_cleanup_errors=True) as tmp:
        try:
            upstream.start()
            owui = OpenWebUI(Path(tmp) / "owui", upstream.base_url)
            t0 = time.perf_counter()
            owui.start()
            procs = ServerProcs(owui._proc.pid)  # start_new_session: the server's pid is its group id
            heavy = loaded_in(procs.pgid, HEAVY)
            print(
                f"server: started in {time.perf_counter() - t0:.1f} s at {owui.base_url}, {procs.describe()};"
                f" RSS {procs.rss_mb():.1f} MB idle; already imported there: {', '.join(heavy) or 'none'}"
                f" of {', '.join(HEAVY)}"
            )
            owui.create_model_record(MODEL_GPT, MODEL_GPT)
            user = owui.add_user("Bench User", "bench-user@example.com", "bench-user-pass")
            noop_path = Path(tmp) / "noop_filter.py"
            noop_path.write_text(NOOP_SOURCE)
            owui.install_function(NOOP_ID, "Bench no-op filter", noop_path, make_global=True)
            shaped_path = Path(tmp) / "shaped_noop_filter.py"
            shaped_path.write_text(shaped_noop_source())
            owui.install_function(SHAPED_ID, "Bench shaped no-op filter", shaped_path, make_global=True)
            b = Bench(owui, procs, upstream, user["token"], args)
            errors = b.errors
            b.configure("C")
            ledger = Ledger(owui.data_dir / "openwebui_monitor" / "monitor.db", user["id"])

            # 2a. Server memory: the same number of chats in C, C again (drift), B, then A after installing ours.
            print(f"\n2a. server RSS (VmRSS summed over the server's process group) after {args.mem_chats} chats each")
            table = Table()
            m = max(1, args.mem_chats // 2)
            b.warm(m)
            rss = {"C1": procs.rss_mb()}
            table.row("C: no filter, after warm-up", f"{rss['C1']:.1f}", "")
            b.warm(m)
            rss["C2"] = procs.rss_mb()
            table.row("C: no filter, again (drift)", f"{rss['C2']:.1f}", f"{rss['C2'] - rss['C1']:+.1f}")
            b.configure("B")
            b.warm(m)
            rss["B"] = procs.rss_mb()
            table.row("B: no-op filter", f"{rss['B']:.1f}", f"{rss['B'] - rss['C2']:+.1f}")
            b.configure("C")
            previous = rss["B"]
            if args.diagnose:  # what Open WebUI spends on any filter of our filter's size, before ours exist
                size = len((ROOT / OURS[0][2]).read_text())
                padding = "# " + "x" * 97 + "\n"
                padded = Path(tmp) / "padded_filter.py"
                padded.write_text(NOOP_SOURCE + padding * max(0, (size - len(NOOP_SOURCE)) // len(padding)))
                owui.install_function(PADDED_ID, "Bench padded no-op filter", padded, make_global=True)
                b.configure("P")
                rss["P0"] = procs.rss_mb()
                table.row(
                    f"P: padded no-op ({size // 1000} kB) installed", f"{rss['P0']:.1f}", f"{rss['P0'] - previous:+.1f}"
                )
                b.warm(m)
                rss["P"] = previous = procs.rss_mb()
                table.row("P: padded no-op, after chats", f"{rss['P']:.1f}", f"{rss['P'] - rss['P0']:+.1f}")
                b.configure("C")
            for fid, name, filename, glob in OURS:  # one at a time, to see what each install costs
                valves = VALVES if fid == FILTER_ID else None
                owui.install_function(fid, name, ROOT / filename, make_global=glob, valves=valves)
                now = procs.rss_mb()
                table.row(f"A: + {fid} installed (no chat yet)", f"{now:.1f}", f"{now - previous:+.1f}")
                previous = now
            b.configure("A")
            rss["A0"] = procs.rss_mb()
            b.warm(m)
            rss["A"] = procs.rss_mb()
            table.row("A: ours, after chats", f"{rss['A']:.1f}", f"{rss['A'] - rss['A0']:+.1f}")
            table.print(("step", "RSS MB", "Δ vs previous"))
            added = rss["A"] - rss["B"]
            drift = rss["C2"] - rss["C1"]
            print(
                f"  ours add {added:+.1f} MB to the server (A after chats − B after the same chats; target"
                f" < {TARGET_MB:.0f} MB: {'OK' if added < TARGET_MB else 'OVER'}); the same chats with nothing"
                f" new moved RSS {drift:+.1f} MB, so read ±{max(abs(drift), 1.0):.0f} MB as noise"
            )
            if args.diagnose:
                print(
                    f"  --diagnose: a no-op filter of our filter's size (P) added {rss['P'] - rss['B']:+.1f} MB"
                    " on its own"
                    f" and ours {rss['A'] - rss['P']:+.1f} MB after it (A − B above includes P's step)"
                )
            snap = ledger.settled(2 * m)  # (P bills nothing)
            if snap[0] != 2 * m or snap[2] != init_micro - 2 * m * cost_per_chat:
                problems.append(f"memory step A: (rows, cost, balance) {snap} after {2 * m} billed chats")
            expected_rows, expected_balance = snap[0], snap[2]

            # 1. Throughput, interleaved.
            print(f"\n1. chats through POST /api/chat/completions, {args.concurrency} at a time, {args.chats} per run")
            results: dict[tuple[str, str], list[dict]] = {(c, mo): [] for c in configs for mo in modes}
            warm_n = args.concurrency
            table = Table()
            for rnd in range(args.rounds):
                k = rnd % len(configs)
                for config in configs[k:] + configs[:k]:
                    b.configure(config)
                    billed = config in billed_configs
                    b.warm(warm_n)  # untimed: the first chats after a toggle load modules and fill caches
                    if billed:
                        expected_rows += 2 * warm_n
                        expected_balance -= 2 * warm_n * cost_per_chat
                    for mode in modes:
                        before = ledger.snapshot()
                        r = b.run_chats(args.chats, mode == "stream")
                        if billed:
                            expected_rows += args.chats
                            expected_balance -= args.chats * cost_per_chat
                        # stream outlets may land just after the client has read the last chunk
                        after = ledger.settled(expected_rows) if billed else ledger.snapshot()
                        ok = after[0] == expected_rows and after[2] == expected_balance
                        if not ok:
                            problems.append(
                                f"round {rnd + 1} {config} {mode}: usage rows {after[0]} (expected {expected_rows}),"
                                f" balance {after[2]} (expected {expected_balance})"
                            )
                            expected_rows, expected_balance = after[0], after[2]
                        results[(config, mode)].append(r)
                        table.row(
                            f"{rnd + 1}",
                            f"{config} {mode}",
                            f"{r['rate']:.1f}",
                            f"{r['ms']:.1f}",
                            f"{r['p50']:.1f}",
                            f"{r['cpu_ms']:.1f}",
                            f"{r['up_ms']:.2f}",
                            f"+{after[0] - before[0]} rows, {after[2] - before[2]:+,d}" + ("" if ok else " MISMATCH"),
                        )
            table.print(
                (
                    "round",
                    "run",
                    "chats/s",
                    "ms/chat",
                    "p50 latency ms",
                    "server CPU ms/chat",
                    "upstream CPU ms/chat",
                    "billed (rows, balance µ)",
                )
            )

            print("\n  medians per configuration (ms/chat = wall time / chats = 1 / throughput)")
            med = {
                key: {k: statistics.median(r[k] for r in runs) for k in ("rate", "ms", "p50", "cpu_ms")}
                for key, runs in results.items()
            }
            for mode in modes:
                for config in configs:
                    s = med[(config, mode)]
                    table.row(
                        f"{config} {SETUPS[config][0]}",
                        mode,
                        f"{s['rate']:.1f}",
                        f"{s['ms']:.1f}",
                        f"{s['p50']:.1f}",
                        f"{s['cpu_ms']:.1f}",
                    )
            table.print(("configuration", "mode", "chats/s", "ms/chat", "p50 latency ms", "server CPU ms/chat"))
            print()
            for mode in modes:
                a, bb, b2, c = (med[(x, mode)] for x in CONFIGS)
                ratio_ab = a["rate"] / bb["rate"]
                line = (
                    f"  {mode:>10}: A/B {ratio_ab:.3f} (target ≥ {TARGET_RATIO}:"
                    f" {'OK' if ratio_ab >= TARGET_RATIO else 'BELOW'}), A/B2 {a['rate'] / b2['rate']:.3f},"
                    f" A/C {a['rate'] / c['rate']:.3f},"
                    f" B/C {bb['rate'] / c['rate']:.3f}; server CPU ms/chat A−B {a['cpu_ms'] - bb['cpu_ms']:+.2f},"
                    f" A−B2 {a['cpu_ms'] - b2['cpu_ms']:+.2f}, B2−B {b2['cpu_ms'] - bb['cpu_ms']:+.2f},"
                    f" B−C {bb['cpu_ms'] - c['cpu_ms']:+.2f}"
                )
                if args.diagnose:
                    f, p = med[("F", mode)], med[("P", mode)]
                    line += (
                        f", F−B {f['cpu_ms'] - bb['cpu_ms']:+.2f}, P−B {p['cpu_ms'] - bb['cpu_ms']:+.2f},"
                        f" A−F {a['cpu_ms'] - f['cpu_ms']:+.2f}"
                    )
                print(line)
            # The same ratio paired by round: A and B ran minutes apart at most, so drift of the server over the
            # whole run (its memory, its caches) cancels; the spread says how far one round's figure can be trusted.
            print()
            for mode in modes:
                paired = sorted(
                    a["rate"] / bb["rate"] for a, bb in zip(results[("A", mode)], results[("B", mode)], strict=True)
                )
                quart = statistics.quantiles(paired, n=4) if len(paired) > 1 else [paired[0]] * 3
                print(
                    f"  {mode:>10}: A/B per round (paired) median {statistics.median(paired):.3f}, quartiles"
                    f" {quart[0]:.3f}–{quart[2]:.3f}, range {paired[0]:.3f}–{paired[-1]:.3f} over {len(paired)} rounds"
                )
            final = ledger.settled(expected_rows)
            exact = final == (expected_rows, expected_rows * cost_per_chat, init_micro - expected_rows * cost_per_chat)
            exact = exact and final[2] == expected_balance
            where = "/".join(sorted(billed_configs))
            print(
                f"\n  billing check: {final[0]} usage rows for {expected_rows} chats run with our filter on ({where},"
                f" warm-ups included), cost sum {final[1]:,} µ = rows × {cost_per_chat}; balance {final[2]:,} µ ="
                f" {init_micro:,} − {expected_rows} × {cost_per_chat}:"
                f" {'EXACT' if exact and not problems else 'MISMATCH'}"
                f"; runs without our filter billed nothing: {'yes' if not problems else 'see PROBLEM lines'}"
            )
            if not exact:
                problems.append(f"final: (rows, cost, balance) {final}, expected rows {expected_rows}")
            rss["end"] = procs.rss_mb()
            last = rss.get("P", rss["A"])
            print(f"  server RSS at the end: {rss['end']:.1f} MB ({rss['end'] - last:+.1f} MB over the runs)")
        finally:
            if owui is not None:
                owui.stop()
                if args.keep_log and owui.log_path.exists():
                    shutil.copyfile(owui.log_path, args.keep_log)
            upstream.stop()

    # 2b. In-process: the library alone, no Open WebUI.
    print(f"\n2b. in-process: the library the functions embed, {args.inproc_turns} Filter turns on a temp SQLite file")
    bare = run_inprocess(args.inproc_turns, trace=False, preload=[])
    warm = run_inprocess(args.inproc_turns, trace=False, preload=heavy)
    traced = run_inprocess(args.inproc_turns, trace=True, preload=heavy)
    table = Table()
    for label, res in (("plain Python", bare), (f"{', '.join(heavy) or 'nothing'} preloaded as in the server", warm)):
        table.row(
            label,
            f"{res['rss0'] / 1024:.1f}",
            f"{(res['rss_import'] - res['rss0']) / 1024:+.1f}",
            f"{(res['rss_turns'] - res['rss_import']) / 1024:+.1f}",
            f"{(res['rss_turns'] - res['rss0']) / 1024:+.1f}",
            f"{res['cpu_import'] * 1e3:.0f}",
            f"{res['cpu_turn'] * 1e6:,.0f}",
        )
    table.print(
        ("RSS MB", "before", "import filter+pipe+action", "Filter turns", "total", "import CPU ms", "CPU µs/turn")
    )
    total = (warm["rss_turns"] - warm["rss0"]) / 1024
    print(
        f"  'before' has logging, sqlite3, asyncio and pydantic loaded (Open WebUI has them anyway); the plain row"
        f" also counts what sqlite_utils imports when installed ({', '.join(HEAVY[:2])}, and with pandas pyarrow)"
    )
    print(
        f"  tracemalloc (separate run, preloaded): imports hold {traced['traced_import'] / 2**20:.1f} MB of Python"
        f" objects; during the turns peak {traced['traced_peak'] / 2**20:.2f} MB,"
        f" {traced['traced_after'] / 2**20:.2f} MB still held after"
    )
    print(
        f"  library as loaded into the server: {total:+.1f} MB RSS (target < {TARGET_MB:.0f} MB:"
        f" {'OK' if total < TARGET_MB else 'OVER'}); {warm['rows']} usage rows written per run"
    )
    for res in (bare, warm, traced):
        if res["rows"] != args.inproc_turns:
            problems.append(f"in-process: {res['rows']} usage rows for {args.inproc_turns} turns")

    if errors:
        problems.append(f"{len(errors)} chats failed, first: {errors[0]}")
    for p in problems:
        print(f"  PROBLEM: {p}")
    print(f"\nresult: {'FAIL' if problems else 'OK'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
