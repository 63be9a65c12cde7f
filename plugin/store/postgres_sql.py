"""SQLite's SQL as PostgreSQL gets it: each statement translated (`translate`), and a billing step's prepared.

Translated. The record modules' SQL is written once, for SQLite; here it becomes PostgreSQL's, statement by
statement (placeholders, `INSERT OR IGNORE`, `IS NOT ?`, SQLite's truncating `CAST(... AS INTEGER)`), once per text.

Prepared. Parsing, analysing and planning the same dozen statements for every chat was a third of a charge's CPU
on the server (975-1,050 µs a charge; 690-740 µs prepared: bench/RESULTS.md, 2026-12-07 "prepared statements"). A
step's statements go as one query string per round trip (`postgres._Connection`), which psycopg cannot prepare (it
prepares one statement at a time, and only after five runs of it). SQL's own PREPARE and EXECUTE can: a statement
a billing step ran is PREPAREd on that connection before its next step begins (its own round trip, outside any
transaction, once per connection), and from then on travels in the same strings as `EXECUTE name(literals)`, bound
client-side as before. The parameter types are the server's (from the statement's context), so a statement it
cannot type (`? IS NULL` alone) fails to PREPARE and stays as it is, for good.

Only statements of billing steps (a transaction holding a user's lock), which `PgEngine._step` runs again when
their prepared statements were lost: a `SELECT *` PREPAREd before another replica's migration added a column fails
("cached plan must not change result type", its transaction rolled back), and so does each statement of a session
whose statements were DEALLOCATEd (`DISCARD ALL`); both are `PlansLost`, after which the connection DEALLOCATEs
what is left and prepares again. Reports and admin changes are not prepared (their plans depend on the dates and
users asked for; a generic plan could be worse).
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

_TOKENS = re.compile(
    r"'(?:[^']|'')*'|::|(?<=[\s(])\+(?=[A-Za-z_])|\?|:(\w+)|%"
    r"|\bINSERT OR IGNORE\b|\bIS NOT \?|\bIS \?|\bCAST\((\w+) AS INTEGER\)"
)
_translated: dict[str, str] = {}


def translate(sql: str) -> str:
    """SQLite's statement as PostgreSQL (psycopg's `%s` / `%(name)s` placeholders) reads it; cached per text."""
    done = _translated.get(sql)
    if done is not None:
        return done
    ignore = False

    def swap(match: re.Match[str]) -> str:
        nonlocal ignore
        token = match.group(0)
        if token.startswith("'"):
            return token.replace("%", "%%")
        if token == "::":  # PostgreSQL's cast, in SQL written for it
            return token
        if token == "+":  # SQLite's "no index for this term" (a unary plus); PostgreSQL's planner decides alone
            return ""
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token == "INSERT OR IGNORE":
            ignore = True
            return "INSERT"
        if token == "IS NOT ?":
            return "IS DISTINCT FROM %s"
        if token == "IS ?":
            return "IS NOT DISTINCT FROM %s"
        if match.group(2):  # SQLite truncates a real to an integer; PostgreSQL would round it
            return f"CAST(TRUNC({match.group(2)}) AS BIGINT)"
        return f"%({match.group(1)})s"

    done = _TOKENS.sub(swap, sql)
    if ignore:
        done += " ON CONFLICT DO NOTHING"
    if len(_translated) < 10_000:
        _translated[sql] = done
    return done


# -- prepared statements ----------------------------------------------------------------------------------------


PREPARED_MAX = 64  # statements PREPAREd per connection: the billing steps have about 20
_PLACEHOLDER = re.compile(r"%%|%s|%\(\w+\)s")
_PREPARABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_plans: dict[str, tuple[str, str, str] | None] = {}  # translated statement -> (name, PREPARE, EXECUTE template)
_unpreparable: set[str] = set()  # statements the server would not PREPARE (it could not type a parameter)


class PlansLost(Exception):
    """A statement PREPAREd on this connection is gone or no longer fits its tables: the step's transaction was
    rolled back, and it is run again (`PgEngine._step`) without them."""


def plan(sql: str) -> tuple[str, str, str] | None:
    """A translated statement (psycopg's `%s` / `%(name)s` placeholders) as (name, its PREPARE, the EXECUTE that
    runs it with the same placeholders), or None if it is not prepared (a transaction's own statements)."""
    if sql in _unpreparable:
        return None
    done = _plans.get(sql, False)
    if done is not False:
        return done  # type: ignore[return-value]
    found: tuple[str, str, str] | None = None
    if _PREPARABLE.match(sql):
        name = "owm_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()
        args: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            args.append(match.group(0))  # a name used twice is two parameters: the same value twice
            return f"${len(args)}"

        body = _PLACEHOLDER.sub(number, sql)
        found = (name, f"PREPARE {name} AS {body}", f"EXECUTE {name}" + (f"({', '.join(args)})" if args else ""))
    if len(_plans) < 10_000:
        _plans[sql] = found
    return found


class Prepared:
    """One connection's prepared statements: which are, which wait to be, and whether the server lost them."""

    def __init__(self) -> None:
        self.names: set[str] = set()  # PREPAREd on this connection
        self.waiting: list[str] = []  # translated statements a step ran unprepared, to PREPARE when idle
        self.lost = False  # the server lost some or all of them: DEALLOCATE ALL before preparing again

    def swap(self, sql: str, params: Any) -> tuple[str, Any]:
        """The statement to send for `sql`: its EXECUTE once it is prepared here; else itself, remembered."""
        found = plan(sql)
        if found is None:
            return sql, params
        name, _, execute = found
        if name in self.names:
            return execute, params
        if sql not in self.waiting and len(self.names) + len(self.waiting) < PREPARED_MAX:
            self.waiting.append(sql)
        return sql, params

    def prepare(self, raw: Any) -> int:
        """PREPARE the waiting statements on `raw` (idle: no transaction open), one round trip each; how many
        round trips that took."""
        import psycopg

        trips = 0
        if self.lost:
            raw.execute("DEALLOCATE ALL")
            self.lost, trips = False, 1
        waiting, self.waiting = self.waiting, []
        for sql in waiting:
            found = plan(sql)
            if found is None:
                continue
            name, prepare, _ = found
            trips += 1
            try:
                raw.execute(prepare)
            except psycopg.OperationalError:
                raise
            except psycopg.DatabaseError as exc:  # the server could not type a parameter, say: it stays unprepared
                log.debug("openwebui_monitor: statement not prepared (%s): %s", exc, sql)
                _unpreparable.add(sql)
            else:
                self.names.add(name)
        return trips

    def forget(self) -> None:
        """A new connection: nothing of the old one's is prepared there."""
        self.names.clear()
        self.waiting.clear()
        self.lost = False

    def check(self, exc: BaseException) -> None:
        """Raise PlansLost if `exc` is the server saying that a statement prepared here is gone or outdated."""
        sqlstate = getattr(exc, "sqlstate", None)
        outdated = sqlstate == "0A000" and "cached plan must not change result type" in str(exc)
        if self.names and (outdated or sqlstate == "26000"):  # 26000: prepared statement does not exist
            self.names.clear()
            self.lost = True
            raise PlansLost(str(exc).splitlines()[0]) from exc
