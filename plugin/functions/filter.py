"""The billing Filter: Open WebUI's three hooks on every chat, each one call into the application layer.

What the hooks do (a pending charge at inlet, the stream's tally, the charge at outlet, a reply settled when no
outlet comes) is `app.metering`'s and `app.follow`'s; the money rules are `domain.billing`'s. This file holds what
Open WebUI reads from a Function: the valves, and hook methods with the signatures it inspects. It also wires in what
the application layer may not import itself: the notice's wording (`ui.notice`) and where the valves say the
database is (`functions.valves`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from ..app import metering
from ..domain import pricing
from ..ui import notice
from ..words import Language, OptionalLanguage
from .valves import DatabaseUrl, env_float, env_str, store_target


class Filter:
    openwebui_monitor_role = "billing"

    class Valves(BaseModel):
        priority: int = Field(
            default=0,
            ge=-1000,
            le=1000,
            description="Order among filters; lower runs first (all hooks).",
        )
        language: Language = Field(
            default="en",
            description="Language of messages and the notice (users may pick their own).",
        )
        currency_symbol: str = Field(default="$", max_length=8, description="Shown before every amount.")
        default_input_price: float = Field(
            default_factory=lambda: env_float("DEFAULT_MODEL_INPUT_PRICE", 60.0),
            ge=0,
            le=1_000_000,
            description="Price per 1M input tokens for models with no other price.",
        )
        default_output_price: float = Field(
            default_factory=lambda: env_float("DEFAULT_MODEL_OUTPUT_PRICE", 60.0),
            ge=0,
            le=1_000_000,
            description="Price per 1M output tokens for models with no other price.",
        )
        default_per_msg_price: float = Field(
            default_factory=lambda: env_float("DEFAULT_MODEL_PER_MSG_PRICE", -1.0),
            ge=-1,
            le=1_000_000,
            description="Flat price per reply for models with no other price; negative bills by tokens.",
        )
        min_charge: float = Field(
            default=0.0,
            ge=0,
            le=1_000_000,
            description="Least a reply with output costs, whatever its price (0: no minimum).",
        )
        init_balance: float = Field(
            default_factory=lambda: env_float("INIT_BALANCE", 0.0),
            ge=0,
            le=1_000_000_000,
            description="Balance given to a user the first time they chat.",
        )
        cost_on_inlet: str = Field(
            default_factory=lambda: env_str("COST_ON_INLET", "0"),
            max_length=10_000,
            description="Fixed pre-charge held when a chat starts, instead of the reply's estimate, and settled at"
            " its end: '0.1' for every model, or 'model:cost,...' (model ids may contain ':'; 'default:cost' for"
            " the rest); 0 holds the estimate.",
        )
        hold_timeout_minutes: int = Field(
            default=30,
            ge=1,
            le=10_080,
            description="Settle a reply whose outlet never came (its worker died) after this: charged for an"
            " estimate of what it produced, or released when it produced nothing.",
        )
        reserve_output_tokens: int = Field(
            default=1000,
            ge=1,
            le=10_000_000,
            description="Output tokens set aside (at the model's output price) when a reply starts and the request"
            " names no max_tokens; unused, they are given back when it ends.",
        )
        exempt_models: str = Field(
            default="",
            max_length=10_000,
            description="Comma-separated model ids that are never billed.",
        )
        show_tokens: bool = Field(default=True, description="Show input+output tokens in the notice of each reply.")
        show_cost: bool = Field(default=True, description="Show the reply's cost.")
        show_balance: bool = Field(default=True, description="Show the balance left.")
        show_time_spent: bool = Field(default=True, description="Show the time from request to last token.")
        show_tokens_per_sec: bool = Field(default=True, description="Show output tokens per second.")
        low_balance_warning: float = Field(
            default=0.0,
            ge=0,
            le=1_000_000_000,
            description="Warn in the notice of each charged reply that leaves the balance under this amount, with"
            " how to get more (the next refill, or a code to redeem); shown even when show_balance is off. Never"
            " for exempt admins or under tracking_only (the balance refuses them nothing). 0: off.",
        )
        db_path: str = Field(
            default="",
            max_length=4096,
            description="SQLite file of the monitor; empty means DATA_DIR/openwebui_monitor/monitor.db.",
        )
        database_url: DatabaseUrl = ""
        tracking_only: bool = Field(
            default=False,
            description="Record and report usage but never refuse a chat for its balance (balances may go"
            " negative; no pre-charge is held). Blocked users are still refused.",
        )
        exempt_admins: bool = Field(
            default=False,
            description="Admins are never refused (not even when blocked) and never charged: their usage is"
            " recorded with its cost, their balance is left alone.",
        )
        on_db_unavailable: Literal["closed", "open"] = Field(
            default="closed",
            description="When the usage database cannot be written: 'closed' refuses chats with a clear message;"
            " 'open' lets them through unbilled, logs a warning and says so in the reply's notice.",
        )

        @field_validator("cost_on_inlet")
        @classmethod
        def _check_cost_on_inlet(cls, value: str) -> str:
            pricing.parse_cost_on_inlet(value)  # raises ValueError with the offending item
            return value

    class UserValves(BaseModel):
        language: OptionalLanguage = Field(
            default="",
            description="Your language for billing messages; empty uses the admin's choice.",
        )
        show_tokens: bool = Field(default=True, description="Show tokens in the notice of each reply.")
        show_cost: bool = Field(default=True, description="Show the reply's cost.")
        show_balance: bool = Field(default=True, description="Show your balance.")
        show_time_spent: bool = Field(default=True, description="Show the reply's time.")
        show_tokens_per_sec: bool = Field(default=True, description="Show tokens per second.")
        low_balance_warning: bool = Field(default=True, description="Warn me when my balance runs low.")

    def __init__(self) -> None:
        self.valves = self.Valves()
        self._meter = metering.Meter(render=notice.under_reply, where=store_target, user_valves=self.UserValves)

    async def inlet(
        self,
        body: dict,
        __user__: dict | None = None,
        __metadata__: dict | None = None,
        __model__: dict | None = None,
        __request__: Any = None,
        __event_emitter__: Any = None,
    ) -> dict:
        """Admit the request: its hold must be covered by the balance, and it is recorded as pending."""
        call = metering.Call(body, __user__, __metadata__, __model__, __request__, __event_emitter__)
        return await self._meter.inlet(self.valves, call)

    def stream(self, event: dict, __metadata__: dict | None = None) -> dict:
        """Tally each upstream chunk of an admitted request (its text, its usage); the chunk goes on unchanged."""
        return self._meter.stream(event, __metadata__)

    async def outlet(
        self,
        body: dict,
        __metadata__: dict | None = None,
        __model__: dict | None = None,
        __request__: Any = None,
        __event_emitter__: Any = None,
        __id__: str | None = None,
        **given: Any,
    ) -> dict:
        """Charge the round (its notice follows once the charge commits).

        `__user__` is deliberately not named: Open WebUI passes a hook only the parameters it names, and reads the
        user's valves from its database before every hook that names `__user__`. The outlet bills the user its inlet
        was given (`metering.Meter._outlet_user`); a caller may still pass `__user__` (tests, other hosts)."""
        user = given.get("__user__")
        call = metering.Call(body, user, __metadata__, __model__, __request__, __event_emitter__, __id__)
        return await self._meter.outlet(self.valves, call)

    async def settled(self) -> None:
        """Wait until every outlet of this instance so far has been committed and its notice sent (its failure
        said). Open WebUI never needs to; tests and benchmarks read the database right after an outlet."""
        await self._meter.settled()
