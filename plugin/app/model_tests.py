"""Testing models: a tiny prompt to each, a few at a time, each bounded in time, every failure that model's
result. Shared by the admins' "Test all models" button and the Usage Monitor's `/test` (the console's Test and
Test all). The prompt goes through Open WebUI's internal chat completion, where no Filter runs: tests are never
billed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PROMPT = "Reply with the single word: ok"
TIMEOUT = 30.0  # seconds one model may take before it is reported as timed out
CONCURRENCY = 4  # models asked at once: enough to be quick, few enough not to flood a provider
ERROR_CAP = 300  # characters of an upstream error kept for the table

Complete = Callable[[str, str], Awaitable[str]]  # (model id, prompt) -> reply text


@dataclass(frozen=True)
class Result:
    model_id: str
    ok: bool
    seconds: float
    error: str = ""  # the upstream's words, cut; "" when it answered
    timed_out: bool = False


def testable(models: Iterable[Mapping[str, Any]], skip: Callable[[Mapping[str, Any]], bool]) -> list[str]:
    """The ids of the models users can reach that a test asks: not ours (`skip`), not arena models; sorted."""
    return sorted({str(m["id"]) for m in models if m.get("id") and not skip(m) and m.get("owned_by") != "arena"})


async def run(
    ids: Iterable[str], complete: Complete, progress: Callable[[int, int], Awaitable[None]] | None = None
) -> list[Result]:
    """Each model's result, in the order of `ids`; `progress(done, total)` after each one finishes."""
    wanted = list(dict.fromkeys(ids))
    gate = asyncio.Semaphore(CONCURRENCY)
    results: dict[str, Result] = {}

    async def one(model_id: str) -> None:
        async with gate:
            started = time.monotonic()
            try:
                await asyncio.wait_for(complete(model_id, PROMPT), TIMEOUT)
                results[model_id] = Result(model_id, True, time.monotonic() - started)
            except TimeoutError:
                results[model_id] = Result(model_id, False, time.monotonic() - started, timed_out=True)
            except Exception as exc:  # broad on purpose: any failure of one model is that model's result
                error = (str(exc) or type(exc).__name__)[:ERROR_CAP]
                results[model_id] = Result(model_id, False, time.monotonic() - started, error)
        if progress is not None:
            await progress(len(results), len(wanted))

    if progress is not None:
        await progress(0, len(wanted))
    await asyncio.gather(*(one(model_id) for model_id in wanted))
    return [results[model_id] for model_id in wanted]
