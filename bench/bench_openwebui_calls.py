"""What Open WebUI 0.12.4 itself spends per chat on a filter that has settings, run on demand (not a test):
`.venv/bin/python bench/bench_openwebui_calls.py`.

For every inlet and outlet of a filter with `Valves`, Open WebUI reads the filter's saved valves from its own
database (`Functions.get_function_valves_by_ids`), and for a filter with `UserValves` whose hooks take `__user__`,
the user's own valves (`Functions.get_user_valves_by_id_and_user_id`); a filter with neither (the e2e bench's
no-op baseline B) skips both. This times those calls in-process against a fresh Open WebUI database, beside a
plain read of the same user (`Users.get_user_by_id`) as the baseline measured in the same run.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

CALLS = 1000
WARMUP = 100


def main() -> int:
    import open_webui

    data_dir = tempfile.mkdtemp(prefix="owm-bench-owui-")
    os.environ.update(
        DATA_DIR=data_dir,
        OFFLINE_MODE="true",
        WEBUI_SECRET_KEY="bench",
        ENABLE_OLLAMA_API="false",
        RAG_EMBEDDING_ENGINE="openai",
        FRONTEND_BUILD_DIR=str(Path(open_webui.__file__).parent / "frontend"),
    )
    logging.disable(logging.CRITICAL)
    import open_webui.config  # creates the database and runs its migrations
    from open_webui.models.functions import Functions
    from open_webui.models.users import Users

    async def run() -> None:
        await Users.insert_new_user("u1", "Bench User", "bench@example.com", role="user")
        version = importlib.metadata.version("open-webui")
        print(f"Open WebUI {version}: per call, {CALLS} calls each, after {WARMUP} untimed")
        print(f"  {'call':<45} {'wall ms':>8} {'CPU ms':>8}")
        for label, call in (
            ("Users.get_user_by_id (baseline)", lambda: Users.get_user_by_id("u1")),
            ("Functions.get_function_valves_by_ids", lambda: Functions.get_function_valves_by_ids(["f"])),
            (
                "Functions.get_user_valves_by_id_and_user_id",
                lambda: Functions.get_user_valves_by_id_and_user_id("f", "u1"),
            ),
        ):
            for _ in range(WARMUP):
                await call()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(CALLS):
                await call()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"  {label:<45} {wall / CALLS * 1e3:>8.3f} {cpu / CALLS * 1e3:>8.3f}")

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
