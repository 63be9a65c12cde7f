"""What the command handlers share: the handler's shape, reading a range and a target user from a command,
quoting typed text back, and the help answer (the fallback of several commands)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..app.session import Session
from ..domain import ranges, reports
from ..words.vocabulary import SYNONYMS_BY_LANGUAGE
from . import markdown, question
from .admin_views import person_label
from .parse import Command, qualifiers

SHOWN_CAP = 80  # characters of typed text quoted back in an answer

# Who may use each command: everyone (a user sees their own data), or only an Open WebUI admin (`commands.py`
# registers the handlers; the help's suggestions need the same split, so it is kept here, below both).
PUBLIC = frozenset({"usage", "models", "days", "records", "balance", "help", "redeem", "statement", "console"})
ADMIN = frozenset(
    {"users", "top", "prices", "price", "block", "unblock", "export", "import", "reconcile", "budget", "codes", "test"}
)

Handler = Callable[[Session, Command], Awaitable[str]]


def shown(text: str) -> str:
    """What someone typed, quoted back harmlessly: short, one line, no Markdown."""
    return markdown.cell(text, SHOWN_CAP)


def range_of(session: Session, command: Command, default: str = "30d") -> tuple[set[str], ranges.Range]:
    """The command's qualifiers (by calls, asc, ...) and the period it names (`range:` or the words left)."""
    found, rest = qualifiers(command.args)
    return found, session.range(command.options.get("range") or rest, default)


async def target_user(session: Session, command: Command) -> tuple[str, str]:
    """Whose data a report shows: the reader's own, or (admins only, `user:NAME`) someone else's."""
    user_id, label = await whose_records(session, command)
    return (session.user["id"] if user_id is None else user_id), label


async def whose_records(session: Session, command: Command) -> tuple[str | None, str]:
    """Whose records a records view lists: a user's own always; an admin's everyone's (None), or the person
    `user:` names. Returns the user id (or None) and the person's label ("" for one's own or everyone's)."""
    if not session.is_admin:
        return session.user["id"], ""
    if not command.options.get("user"):
        return None, ""
    person = await session.find_person(command.options["user"])
    return person["id"], person_label(person)


async def model_filter(session: Session, typed: str) -> str:
    """The model a report's `model:` names: an id Open WebUI lists, else an id with usage on record (a retired
    model's records stay findable; a user's own usage for a user), else what `resolve_model` finds by name or in
    any case; `UnknownModel` otherwise. Exact ids first, so a retired `gpt-4` is not a listed model named "GPT-4"."""
    wanted = typed.strip()
    if any(str(m.get("id")) == wanted for m in session.models()):
        return wanted
    own = None if session.is_admin else session.user["id"]
    used = await session.run(reports.by_model, session.range("all"), own)
    if any(row["model_id"] == wanted for row in used):
        return wanted
    return await session.resolve_model(typed)


def number(text: str | None, default: int) -> int:
    """A page number or size as typed; nonsense means the default, and reports clamp the rest."""
    if text and text.strip().isdigit() and len(text.strip()) < 7:
        return int(text.strip())
    return default


async def help_text(session: Session, command: Command) -> str:
    """The commands; after a message not understood, first what was typed, the closest commands in the reader's
    words and example questions."""
    parts = [session.t("help_intro")]
    if command.args:
        typed = " ".join(command.args)
        lead = [session.t("help_unknown", text=shown(typed))]
        near = question.closest(typed, lambda key: session.is_admin or key in PUBLIC)
        if near:
            words = ", ".join(_command_words(key, session.lang) for key in near)
            lead.append(session.t("help_closest", commands=words))
        lead.append(session.t("help_examples"))
        parts[:0] = lead
    parts.append(session.t("help_user"))
    if session.is_admin:
        parts.append(session.t("help_admin"))
    return "\n\n".join(parts)


def _command_words(key: str, lang: str) -> str:
    """`/usage`, with the reader's own word for it when that is another: `/usage` (用量)."""
    own = SYNONYMS_BY_LANGUAGE.get(lang, {}).get(key, ())
    return f"`/{key}`" + (f" ({own[0]})" if own and own[0] != key else "")
