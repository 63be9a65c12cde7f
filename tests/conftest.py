from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugin.store import Store


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "monitor.db"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = Store(db_path, clock=clock)
    yield s
    s.close()


_ids = itertools.count(1)


@pytest.fixture
def new_id():
    return lambda prefix="id": f"{prefix}-{next(_ids)}"
