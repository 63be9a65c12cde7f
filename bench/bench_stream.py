"""The stream hook's cost, run on demand (not part of the test suite): `.venv/bin/python bench/bench_stream.py`.

Open WebUI 0.12.4 calls a filter's `stream(event)` once per upstream chunk (without reloading its valves), so what
it costs is our own code's. Measured per reply of CHUNKS chunks of OpenAI-shaped deltas (and a final usage chunk),
in the same run: (a) a no-op hook (`return event`), the floor any stream hook costs; (b) our `Filter.stream` on a
request the inlet admitted (tallies the text and the usage; saves the output so far every `PROGRESS_EVERY`
seconds, which a reply this fast does not reach); (c) the same with the progress saved at every chunk
(`PROGRESS_EVERY = 0`), the worst case of a slow reply's saves, each queued for a group commit. Ratios are against
(a). Also the settlement's exact count of the tallied text, once per reply. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tables import Table

from plugin.app import follow
from plugin.app.requests import KEY
from plugin.domain import tokens
from plugin.functions.filter import Filter

CHUNKS = 400  # content chunks per reply, as the e2e stop test streams
REPLIES = 200
PIECE = "a few words "  # one delta: 3 tokens by the heuristic


def chunks(n: int) -> list[dict]:
    deltas = [
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": PIECE}, "finish_reason": None}]}
        for _ in range(n)
    ]
    usage = {"prompt_tokens": 11, "completion_tokens": 3 * n, "total_tokens": 11 + 3 * n}
    return [*deltas, {"id": "chatcmpl-1", "choices": [], "usage": usage}]


def noop(event: dict) -> dict:
    return event


async def admitted(flt: Filter, i: int) -> dict:
    """A request the inlet admitted (its pending row written), and the metadata the stream hook is given."""
    metadata = {"chat_id": "c", "message_id": f"m{i}", "model": {"id": "gpt"}, "user_message": {}}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "stream": True, "metadata": metadata}
    user = {"id": "u", "name": "U", "email": "u@example.com", "role": "user"}
    await flt.inlet(body, __user__=user, __metadata__=metadata, __model__={"id": "gpt"})
    assert isinstance(metadata.get(KEY), dict)
    return metadata


async def run(tmp: Path, replies: int, n: int) -> dict[str, list[float]]:
    flt = Filter()
    flt.valves = flt.Valves(db_path=str(tmp / "monitor.db"), init_balance=1_000_000)
    events = chunks(n)
    times: dict[str, list[float]] = {"noop": [], "ours": [], "ours, saved every chunk": [], "count": []}
    count = tokens.counter()
    for i in range(replies):
        metadata = await admitted(flt, i)
        started = time.perf_counter()
        for event in events:
            noop(event)
        times["noop"].append(time.perf_counter() - started)
        follow.PROGRESS_EVERY = 2.0 if i % 2 == 0 else 0.0
        label = "ours" if i % 2 == 0 else "ours, saved every chunk"
        started = time.perf_counter()
        for event in events:
            flt.stream(event, __metadata__=metadata)
        times[label].append(time.perf_counter() - started)
        live = flt._meter.follow.live[("c", f"m{i}")]
        started = time.perf_counter()
        live.tally.output_tokens(count)
        live.tally.reported()
        times["count"].append(time.perf_counter() - started)
        await flt.settled()  # the progress saves commit (untimed)
        del flt._meter.follow.live[("c", f"m{i}")]
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=REPLIES)
    parser.add_argument("--chunks", type=int, default=CHUNKS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = asyncio.run(run(Path(tmp), args.replies, args.chunks))
    floor = statistics.median(times["noop"])
    print(f"stream hook, per reply of {args.chunks} chunks (median of {args.replies // 2}-{args.replies} replies)")
    table = Table()
    for label in ("noop", "ours", "ours, saved every chunk", "count"):
        p50 = statistics.median(times[label])
        per_chunk = p50 / args.chunks * 1e6
        ratio = f"{p50 / floor:.1f}x" if label != "noop" else "1.0x"
        table.row(label, f"{p50 * 1e3:.3f}", f"{per_chunk:.2f}", ratio)
    table.print(("hook", "ms/reply", "µs/chunk", "vs no-op"))
    print("'count' is the exact count of the tallied text and the usage read, once per reply at settlement")
    return 0


if __name__ == "__main__":
    sys.exit(main())
