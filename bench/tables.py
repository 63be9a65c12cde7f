"""Plain-text tables for the benchmarks' output. Imports nothing of the library: the e2e bench measures what
importing the library costs, in a process that has loaded this module already."""

from __future__ import annotations


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def row(self, *cells: str) -> None:
        self.rows.append(cells)

    def print(self, header: tuple[str, ...]) -> None:
        rows = [header, *self.rows]
        widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(len(header))]
        for n, r in enumerate(rows):
            cells = [c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
            print("  " + "  ".join(cells).rstrip())
            if n == 0:
                print("  " + "  ".join("-" * w for w in widths))
        self.rows = []
