"""The admin's buttons under replies: test all models, balance / block, prices, export. The same Action as
`action.py` (valves, events, `buttons`) with another list of buttons, generated as a Function of its own.

Why a second Function: Open WebUI 0.12.4 gives each model one list of buttons, the same for everyone who may use
that model (`get_all_models` builds `model["actions"]` once for all users; the frontend shows it unfiltered), and
a Function's buttons are either on every model (global) or on the models that list it in `meta.actionIds`. So
buttons only admins may press can be hidden from users only on a model users cannot see: the installer attaches
this Function to the admin-only "Usage Monitor (admin)" model and never makes it global. `buttons.press` still
refuses a non-admin, should an admin attach it elsewhere.
"""

from __future__ import annotations

from typing import ClassVar

from . import action


class Action(action.Action):
    actions: ClassVar[list[dict[str, str]]] = action.ADMIN_ACTIONS
