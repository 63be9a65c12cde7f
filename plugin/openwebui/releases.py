"""Which Open WebUI release this is, and what each release lets the functions do.

Differences between releases are decided here or in the adapter beside it (`plugin/openwebui/__init__.py`): by the
feature where it can be seen (a method's signature, the shape of a hook's argument), else by the release number.
"""

from __future__ import annotations

import logging
import re
import sys

log = logging.getLogger(__name__)

# The releases the end-to-end core is proven on, one per minor (tests/e2e/test_e2e_versions.py); the last is the one
# the whole suite runs on, and the newest tested.
TESTED_RELEASES = ("0.9.6", "0.10.2", "0.11.4", "0.12.4")
# Before 0.9.0 Open WebUI ran outlet filters only through /api/chat/completed, whose body (the usage included) the
# browser writes: any user could set what they are charged. The functions bill nothing there.
OLDEST_SUPPORTED = (0, 9, 0)
# Before 0.10.0 Open WebUI runs no outlet for a request without a saved chat (an API call): `outlet_filter_handler`
# returns at once without a chat id. Such replies are settled from their stream when it ends.
API_OUTLETS_SINCE = (0, 10, 0)
# Before 0.11.0 a non-streamed Continue's outlet holds only the new round's text: `non_streaming_chat_response_handler`
# does not join it to the reply it continues (it also saves the message with that round alone).
WHOLE_CONTINUE_SINCE = (0, 11, 0)


def parse_version(text: str) -> tuple[int, ...]:
    """``"0.12.4"`` -> ``(0, 12, 4)``; suffixes such as ``-dev`` or ``rc1`` are ignored."""
    match = re.match(r"v?(\d+(?:\.\d+)*)", text.strip())
    if not match:
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(part) for part in match.group(1).split("."))


NEWEST_TESTED = parse_version(TESTED_RELEASES[-1])


def dotted(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


# What Open WebUI calls itself when it cannot tell (`env.py`: started other than by `open-webui serve`, e.g. by uvicorn,
# with no package.json beside it): not a release older than 0.9.
UNKNOWN = "0.0.0"
_UNKNOWN_PARTS = parse_version(UNKNOWN)


def running_version() -> str:
    """The Open WebUI release this process runs ('' outside one): its already-loaded `env` module says, else the
    installed package's metadata."""
    env = sys.modules.get("open_webui.env")
    if env is not None and getattr(env, "VERSION", None) and str(env.VERSION) != UNKNOWN:
        return str(env.VERSION)
    try:
        from importlib.metadata import PackageNotFoundError, version

        found = version("open-webui")
    except (PackageNotFoundError, ValueError):
        return ""
    return "" if found == UNKNOWN else found


def release_parts(version: str) -> tuple[int, ...] | None:
    """The release's numbers, or None when it is not known."""
    try:
        parts = parse_version(version)
    except ValueError:
        return None
    return None if parts == _UNKNOWN_PARTS else parts


def billable(version: str) -> bool:
    """Whether the functions may bill on this release: an unknown one (a source checkout) is given the benefit."""
    parts = release_parts(version)
    return parts is None or parts >= OLDEST_SUPPORTED


def api_outlets(version: str) -> bool:
    """Whether this server runs the outlet for a request without a saved chat: from 0.10 on, unless its admin turned
    API outlets off (`ENABLE_API_OUTLET_FILTERS=false`, which Open WebUI reads at start)."""
    env = sys.modules.get("open_webui.env")
    if env is not None and getattr(env, "ENABLE_API_OUTLET_FILTERS", True) is False:
        return False
    parts = release_parts(version)
    return parts is None or parts >= API_OUTLETS_SINCE


def untested(version: str) -> list[str]:
    """Why this release was not tested here, if it was not: it does not say which it is, or it is newer."""
    if version == UNKNOWN:
        return [f"Open WebUI does not say its release ({UNKNOWN}: not started by `open-webui serve`)"]
    parts = release_parts(version)
    newer = parts is not None and parts > NEWEST_TESTED
    return [f"Open WebUI {version} is newer than {dotted(NEWEST_TESTED)}, the newest tested"] if newer else []


def whole_continue(version: str) -> bool:
    """Whether a non-streamed Continue's outlet holds the whole reply (the rounds before it included)."""
    parts = release_parts(version)
    return parts is None or parts >= WHOLE_CONTINUE_SINCE


_told: set[str] = set()


def tell_release(function: str) -> str:
    """Log once per process and function which Open WebUI release it runs on, with a warning when that release is
    newer than the newest tested or too old to bill on; returns the release."""
    version = running_version()
    if function in _told:
        return version
    _told.add(function)
    if not billable(version):
        oldest = dotted(OLDEST_SUPPORTED)
        log.error(
            "openwebui_monitor %s: Open WebUI %s is older than %s; nothing is billed here (before %s the outlet "
            "runs only on a request body the browser writes, so users could set their own charges)",
            function,
            version,
            oldest,
            oldest,
        )
    elif newer := untested(version):
        log.warning("openwebui_monitor %s: %s", function, newer[0])
    else:
        log.info("openwebui_monitor %s: Open WebUI %s", function, version or "(version unknown)")
    if function == "filter" and billable(version) and not api_outlets(version):
        log.warning(
            "openwebui_monitor filter: Open WebUI %s runs no outlet for API calls: streamed ones are charged from "
            "their stream, others by estimate (their prompt and reserve_output_tokens); %s and later, with "
            "ENABLE_API_OUTLET_FILTERS on, charge them exactly",
            version,
            dotted(API_OUTLETS_SINCE),
        )
    return version
