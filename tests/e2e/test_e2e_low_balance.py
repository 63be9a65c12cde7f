"""The low-balance warning inside a real Open WebUI 0.12.4: the notice Open WebUI saves under the reply that leaves
the balance under the filter's `low_balance_warning` carries the warning, an earlier reply's does not, and a user who
turns their own `low_balance_warning` off through Open WebUI's user valves is not warned again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin.store import Store

from .fake_upstream import MODEL_GPT
from .monitor import notice
from .owui import OpenWebUI

ROOT = Path(__file__).resolve().parents[2]
FID = "openwebui_monitor_filter"
VALVES: dict[str, Any] = {"init_balance": 0, "language": "en", "cost_on_inlet": "0", "low_balance_warning": 0.8}
REPLY = "hello [usage 1000 1000]"  # 2000 tokens at the default $60 per 1M: $0.12 a reply
WARNING = "⚠ Low balance — redeem a code: /redeem CODE in Usage Monitor"


@pytest.fixture(scope="module")
def db(owui: OpenWebUI) -> Iterator[Store]:
    owui.install_function(FID, "OpenWebUI Monitor", ROOT / "openwebui_monitor_filter.py", valves=VALVES)
    owui.create_model_record(MODEL_GPT, MODEL_GPT)
    store = Store(owui.data_dir / "openwebui_monitor" / "monitor.db")
    try:
        yield store
    finally:
        store.close()
        owui.delete_function(FID)
        owui.delete_model_record(MODEL_GPT)


def test_the_reply_that_crosses_the_threshold_carries_the_warning(owui: OpenWebUI, db: Store, make_user) -> None:
    user = make_user("lowbalance")
    with db.immediate():
        db.ensure_user(user["id"], user["name"], user["email"], "user")
        db.append_ledger(user["id"], "topup", 1_000_000, actor="test-admin", reason="e2e setup")

    def reply() -> str:
        result = owui.chat_saved(user["token"], MODEL_GPT, REPLY)
        assert not result["message"].get("error"), result["message"]
        return notice(result["message"])

    above, crossing, below = reply(), reply(), reply()
    assert "Balance: $0.8800" in above and "⚠" not in above, above
    assert "Balance: $0.7600" in crossing and crossing.startswith(WARNING + " | "), crossing
    assert "Balance: $0.6400" in below and below.startswith(WARNING + " | "), below

    # The user silences it in their own valves (Settings → Functions): the next reply has no warning.
    path = f"/api/v1/functions/id/{FID}/valves/user"
    owui.request("POST", path + "/update", token=user["token"], json={"low_balance_warning": False})
    assert owui.request("GET", path, token=user["token"]).json()["low_balance_warning"] is False
    silenced = reply()
    assert "Balance: $0.5200" in silenced and "⚠" not in silenced, silenced
    assert db.reconcile() == []
