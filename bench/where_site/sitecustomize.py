"""Loaded by the Open WebUI server that `bench/bench_e2e_where.py` starts (this folder is put on its PYTHONPATH), and
inert anywhere else: it acts only when OWM_WHERE_OUT names a file.

It times, in CPU seconds of the calling thread (`time.thread_time`), what Open WebUI 0.12.4 does for the filters of a
chat and what our functions do: each coroutine is timed step by step (the time between its awaits), so the figures
are its own work on the event loop, not the time it waited. On SIGUSR1 it writes the totals, the call counts and the
server's thread names to OWM_WHERE_OUT (JSON); the bench takes differences around each run.
"""

from __future__ import annotations

import collections
import functools
import importlib.abc
import json
import os
import signal
import sys
import threading
import time
from typing import Any

OUT = os.environ.get("OWM_WHERE_OUT", "")
ACC: collections.defaultdict[str, float] = collections.defaultdict(float)
CNT: collections.Counter[str] = collections.Counter()


class Timed:
    """Awaitable wrapper of a coroutine adding the CPU time of each of its steps to ACC[key]."""

    __slots__ = ("coro", "key")

    def __init__(self, coro: Any, key: str) -> None:
        self.coro, self.key = coro, key

    def __await__(self) -> Any:
        gen, key = self.coro.__await__(), self.key
        CNT[key] += 1
        value: Any = None
        error: BaseException | None = None
        while True:
            start = time.thread_time()
            try:
                yielded = gen.throw(error) if error is not None else gen.send(value)
            except StopIteration as stop:
                ACC[key] += time.thread_time() - start
                return stop.value
            except BaseException:
                ACC[key] += time.thread_time() - start
                raise
            ACC[key] += time.thread_time() - start
            try:
                value, error = (yield yielded), None
            except BaseException as exc:  # thrown into the awaiting coroutine: pass it on
                value, error = None, exc


def timed_async(fn: Any, key: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return Timed(fn(*args, **kwargs), key(args, kwargs))

    return wrapper


def timed_sync(fn: Any, name: str) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CNT[name] += 1
        start = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            ACC[name] += time.thread_time() - start

    return wrapper


def named(name: str) -> Any:
    return lambda args, kwargs: name


def patch_filter(mod: Any) -> None:
    """open_webui.utils.filter: the whole per-hook loop, the filter list, and the settings each hook applies."""

    def by_type(name: str) -> Any:
        return lambda args, kwargs: f"{name}[{kwargs.get('filter_type', args[2] if len(args) > 2 else '?')}]"

    def handler(args: Any, kwargs: Any) -> str:
        owner = getattr(args[0], "__self__", None)
        module = type(owner).__module__ if owner is not None else "?"
        ours = "ours" if module.startswith("_openwebui_monitor") else "other"
        return f"hook {getattr(args[0], '__name__', '?')} ({ours})"

    mod.process_filter_functions = timed_async(mod.process_filter_functions, by_type("owui process_filter_functions"))
    mod.resolve_filter_pipeline = timed_async(mod.resolve_filter_pipeline, named("owui resolve_filter_pipeline"))
    mod.get_function_module = timed_async(mod.get_function_module, named("owui get_function_module"))
    mod.apply_filter_valves = timed_async(mod.apply_filter_valves, named("owui apply_filter_valves"))
    mod.apply_user_valves = timed_async(mod.apply_user_valves, named("owui apply_user_valves"))
    mod.run_filter_handler = timed_async(mod.run_filter_handler, handler)


def patch_functions(mod: Any) -> None:
    table = mod.FunctionsTable
    for name in (
        "get_functions_by_ids",
        "get_function_valves_by_ids",
        "get_user_valves_by_id_and_user_id",
        "get_active_function_ids_by_type",
    ):
        setattr(table, name, timed_async(getattr(table, name), named(f"owui Functions.{name}")))


PATCHES = {"open_webui.utils.filter": patch_filter, "open_webui.models.functions": patch_functions}
_done: set[str] = set()


def patch_ours() -> None:
    """Our functions' library, once Open WebUI has loaded it (under its private package name): the group commit's
    loop callbacks and the two money steps. Idempotent."""
    for name, mod in list(sys.modules.items()):
        if name in _done or mod is None or not name.startswith("_openwebui_monitor"):
            continue
        if name.endswith(".store.sqlite_commit") and hasattr(mod, "GroupCommit"):
            for method in ("_flush", "_poll", "_land"):
                setattr(mod.GroupCommit, method, timed_sync(mod.GroupCommit.__dict__[method], f"ours {method}"))
            _done.add(name)
        elif name.endswith(".domain.billing") and hasattr(mod, "settle"):
            for step in ("admit", "settle"):
                setattr(mod, step, timed_sync(getattr(mod, step), f"ours billing.{step}"))
            _done.add(name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                run = spec.loader.exec_module

                def exec_module(module: Any, run: Any = run, name: str = name) -> None:
                    run(module)
                    PATCHES[name](module)

                spec.loader.exec_module = exec_module  # type: ignore[method-assign]
                return spec
        return None


def _dump(signum: int, frame: Any) -> None:
    patch_ours()
    threads = {str(t.native_id): t.name for t in threading.enumerate()}
    with open(OUT + ".tmp", "w") as f:
        json.dump({"acc": dict(ACC), "cnt": dict(CNT), "threads": threads}, f)
    os.replace(OUT + ".tmp", OUT)


_gc_started: list[float] = []


def _gc_timer(phase: str, info: dict[str, Any]) -> None:
    """Garbage collections, by generation: more long-lived objects (three Functions' modules) make the full ones
    slower."""
    if phase == "start":
        _gc_started.append(time.thread_time())
    elif _gc_started:
        key = f"python gc, generation {info.get('generation')}"
        CNT[key] += 1
        ACC[key] += time.thread_time() - _gc_started.pop()


if OUT:
    import gc

    gc.callbacks.append(_gc_timer)
    sys.meta_path.insert(0, _PatchOnImport())
    signal.signal(signal.SIGUSR1, _dump)
