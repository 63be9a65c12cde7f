"""A separate Python process driving the billing Filter, for tests/functions/test_reliability.py (not a test module).

Run as `python tests/reliability_worker.py MODE DB_PATH TAG [N]` with the repository root on PYTHONPATH:

- `turns`: build the Filter, print `ready`, wait for one line on stdin (the start barrier), then run N rounds of
  CONCURRENCY chat turns at once (asyncio.gather of inlet + outlet), and print one JSON line with the outcome.
- `crash`: build the Filter, print `ready`, wait for the barrier, then run chat turns in LANES concurrent lanes,
  each waiting 0-2 ms between inlet and outlet, until killed (a safety cap ends it after CRASH_CAP_SECONDS);
  print `<kind> <i>` after each turn's billing step has returned (so after it committed): `full` for inlet +
  outlet, `inlet` for an inlet (its pending charge), then for a streamed turn `stream` once the output its stream
  carried so far is saved on the pending row. Inlet-only turns never end: the kill leaves them pending.

The shapes of the turns (keys, users, token counts) live here so the test can recompute what each one costs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time

USERS = 4  # every user is charged from every process at once
CONCURRENCY = 64  # turns gathered at once per round, per process
LANES = 16  # concurrent lanes of the crash worker
INLET_ONLY_EVERY = 5  # in the crash worker, every 5th turn stops after its inlet (a reply that never ended)
STREAMED_EVERY = 10  # ... and every 10th also streams part of its reply first (the output a crash cut off)
CRASH_CAP_SECONDS = 60.0
MODEL = "gpt"
HOLD = "0.01"  # cost_on_inlet valve
INIT_BALANCE = 1000.0  # currency units, far more than any run spends
INPUT_PRICE = 2.0  # per 1M tokens, the valve defaults: 2 and 8 micro-units per token, exact
OUTPUT_PRICE = 8.0


def user_of(i: int) -> dict:
    n = i % USERS
    return {"id": f"rel-u{n}", "name": f"User {n}", "email": f"u{n}@example.com", "role": "user"}


def key_of(tag: str, i: int) -> tuple[str, str]:
    return f"{tag}-c{i}", f"{tag}-m{i}"


def tokens_of(tag: str, i: int) -> tuple[int, int]:
    """(input, output) tokens the reply to turn i of process `tag` reports."""
    salt = sum(map(ord, tag))
    return 100 + (i * 7 + salt) % 150, 20 + (i * 13 + salt) % 90


def partial_of(tag: str, i: int) -> str:
    """The text a streamed inlet-only turn's upstream sends before the worker is killed."""
    return f"Worker {tag} answers question {i}: " + "so far so good, " * (i % 7)


def chunks_of(tag: str, i: int) -> list[dict]:
    """That text as OpenAI-style chunks: the role first (no text), then the text, no usage (cut off before it)."""
    response = f"chatcmpl-{tag}-{i}"
    return [
        {"id": response, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant"}}]},
        {
            "id": response,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": partial_of(tag, i)}}],
        },
    ]


def turn_args(tag: str, i: int) -> tuple[dict, dict, dict, dict]:
    """Inlet body, outlet body, metadata and user, shaped like Open WebUI 0.12.4's (see tests/chats.py)."""
    chat_id, message_id = key_of(tag, i)
    metadata = {"chat_id": chat_id, "message_id": message_id, "model": {"id": MODEL}, "user_message": {}}
    messages = [{"role": "user", "content": f"question {i}"}]
    body = {"model": MODEL, "messages": messages, "stream": True, "metadata": metadata}
    input_tokens, output_tokens = tokens_of(tag, i)
    reply = {
        "role": "assistant",
        "content": "An answer.",
        "id": message_id,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }
    out = {"model": MODEL, "chat_id": chat_id, "id": message_id, "messages": [*messages, reply]}
    return body, out, metadata, user_of(i)


class Emitter:
    def __init__(self, failed_texts: set[str]) -> None:
        self.failed_texts = failed_texts
        self.ok = 0
        self.failed = 0

    async def __call__(self, event: dict) -> None:
        if event.get("data", {}).get("description") in self.failed_texts:
            self.failed += 1
        else:
            self.ok += 1


def make_filter(db_path: str):
    from plugin.functions.filter import Filter
    from plugin.store import is_url

    flt = Filter()
    where = {"database_url": db_path} if is_url(db_path) else {"db_path": db_path}
    flt.valves = flt.Valves(
        **where,
        init_balance=INIT_BALANCE,
        cost_on_inlet=HOLD,
        default_input_price=INPUT_PRICE,
        default_output_price=OUTPUT_PRICE,
        default_per_msg_price=-1,
    )
    return flt


def failed_texts() -> set[str]:
    from plugin.words import i18n

    return {i18n.t(lang, "billing_failed") for lang in ("en", "zh", "es")}


async def run_turns(db_path: str, tag: str, rounds: int) -> dict:
    flt = make_filter(db_path)
    emitter = Emitter(failed_texts())
    model = {"id": MODEL}

    async def turn(i: int) -> None:
        body, out, metadata, user = turn_args(tag, i)
        await flt.inlet(body, __user__=user, __metadata__=metadata, __model__=model)
        await asyncio.sleep(0)  # the upstream's turn: other chats' inlets and outlets interleave here
        await flt.outlet(out, __user__=user, __metadata__=metadata, __model__=model, __event_emitter__=emitter)

    errors: list[str] = []
    for r in range(rounds):
        results = await asyncio.gather(*(turn(r * CONCURRENCY + i) for i in range(CONCURRENCY)), return_exceptions=True)
        await flt.settled()  # the outlets return before their commit; their notices follow
        errors += [repr(result) for result in results if isinstance(result, BaseException)]
    return {"tag": tag, "turns": rounds * CONCURRENCY, "ok": emitter.ok, "failed": emitter.failed, "errors": errors}


async def run_crash(db_path: str, tag: str) -> None:
    flt = make_filter(db_path)
    failed = failed_texts()
    model = {"id": MODEL}
    counter = itertools.count()
    upstream = random.Random(tag)  # the model's time between inlet and outlet: 0-2 ms, so the lanes drift apart
    deadline = time.monotonic() + CRASH_CAP_SECONDS
    out_stream = sys.stdout

    async def lane() -> None:
        while time.monotonic() < deadline:
            i = next(counter)
            body, out, metadata, user = turn_args(tag, i)
            await flt.inlet(body, __user__=user, __metadata__=metadata, __model__=model)
            if i % INLET_ONLY_EVERY == 0:
                out_stream.write(f"inlet {i}\n")
                if i % STREAMED_EVERY == 0:
                    for event in chunks_of(tag, i):
                        flt.stream(event, __metadata__=metadata)
                    await flt.settled()  # the output so far, saved on the pending row (the first text saves it)
                    out_stream.write(f"stream {i}\n")
            else:
                emitter = Emitter(failed)
                await asyncio.sleep(upstream.uniform(0, 0.002))
                await flt.outlet(out, __user__=user, __metadata__=metadata, __model__=model, __event_emitter__=emitter)
                await flt.settled()  # this turn's commit and notice (and any other lane's pending)
                out_stream.write(f"full {i}\n" if emitter.ok == 1 and not emitter.failed else f"failed {i}\n")
            out_stream.flush()

    await asyncio.gather(*(lane() for _ in range(LANES)))


def open_new_files(paths: list[str], barrier, results) -> None:
    """For `test_reliability`'s first-open race (a multiprocessing target): open a Store on each new file at the
    moment the other processes do, as workers do on the first chats after a new install; report the failures."""
    from plugin.store import Store

    failures = []
    for path in paths:
        barrier.wait()
        try:
            Store(path).close()
        except Exception as exc:
            failures.append(f"{path}: {exc!r}")
    results.put(failures)


def main() -> None:
    mode, db_path, tag, *rest = sys.argv[1:]
    make_filter(db_path)  # imports everything before the barrier, so the processes start together
    print("ready", flush=True)
    sys.stdin.readline()
    if mode == "turns":
        print(json.dumps(asyncio.run(run_turns(db_path, tag, int(rest[0])))), flush=True)
    elif mode == "crash":
        asyncio.run(run_crash(db_path, tag))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
