"""`scripts/test`'s choice of Open WebUI releases: a release outside the matrix is refused before anything is
installed, with the releases it knows."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from plugin.openwebui.releases import TESTED_RELEASES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("picked", ["0.8.12", "0.12.3", "latest"])
def test_a_release_outside_the_matrix_is_refused_at_once(picked: str) -> None:
    script = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "test"), "--owui", picked],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a script that went on building is stopped whole
    )
    try:
        _out, err = script.communicate(timeout=30)
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
    assert script.returncode == 2, err
    assert err.startswith(f"--owui: no such release in the matrix: {picked} (")
    assert all(release in err for release in TESTED_RELEASES), err


def test_the_script_builds_every_older_release_the_adapter_names() -> None:
    """The releases scripts/test builds are the adapter's tested releases but the test environment's own."""
    text = (ROOT / "scripts" / "test").read_text()
    (line,) = [line for line in text.splitlines() if line.startswith("all_releases=")]
    assert line.split("=", 1)[1].strip('"').split() == list(TESTED_RELEASES[:-1])
