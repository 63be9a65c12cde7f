"""`/export [csv|json]` (csv: a range, `user:` and `model:` narrow it) and `/import` (a JSON file attached, or
pasted in a code block below the command)."""

from __future__ import annotations

from ..app.session import Session
from ..errors import InvalidImport
from . import admin_views
from .cmd_common import model_filter, range_of
from .parse import Command, pasted_block


async def export(session: Session, command: Command) -> str:
    stamp = session.export_stamp()
    if command.sub == "json":
        data, name, kind, key = (
            await session.export_json(),
            f"openwebui-monitor-{stamp}.json",
            "application/json",
            "export_json_done",
        )
    else:
        _, rng = range_of(session, command, default="all")
        user_id = (await session.find_person(command.options["user"]))["id"] if command.options.get("user") else None
        model_id = await model_filter(session, command.options["model"]) if command.options.get("model") else None
        data = await session.export_csv(rng, user_id, model_id)
        name, kind, key = f"openwebui-monitor-usage-{stamp}.csv", "text/csv", "export_csv_done"
    if session.save_file is None:
        return session.t(key, link=name) + "\n\n```\n" + data[:20_000] + "\n```"
    saved = await session.save_file(session.actor, name, data.encode("utf-8"), kind)
    return session.t(key, link=f"[{name}]({saved['url']})")


async def restore(session: Session, command: Command) -> str:
    """`/import`: exactly one document, attached or pasted."""
    documents: list[bytes | str] = list(await session.attachments()) if session.attachments else []
    pasted = pasted_block(session.message)
    if pasted:
        documents.append(pasted)
    if len(documents) != 1:
        raise InvalidImport(reason=session.t("import_needs_one"))
    result = await session.import_json(documents[0])
    return admin_views.said(result, session.lang, session.symbol)
