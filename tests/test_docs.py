"""The README documents every valve, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugin.functions.action import Action
from plugin.functions.filter import Filter
from plugin.functions.pipe import Pipe

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^### {re.escape(title)}.*?$(.*?)(?=^##)", README, re.S | re.M)
    assert match, f"README has no section '### {title}'"
    return match.group(1)


@pytest.mark.parametrize(("title", "cls"), [("Filter", Filter), ("Pipe", Pipe), ("Action", Action)])
def test_every_valve_is_documented(title: str, cls: type) -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section(title), re.M))
    fields = set(cls.Valves.model_fields)
    if hasattr(cls, "UserValves"):
        fields |= set(cls.UserValves.model_fields)
    assert documented == fields


@pytest.mark.parametrize("cls", [Filter, Pipe, Action])
def test_every_valve_has_a_description_and_bounds_where_numeric(cls: type) -> None:
    for model in (cls.Valves, getattr(cls, "UserValves", cls.Valves)):
        for name, field in model.model_fields.items():
            assert field.description, f"{cls.__name__}.{model.__name__}.{name} has no description"
            if field.annotation in (int, float):
                bounds = [m for m in field.metadata if hasattr(m, "ge") or hasattr(m, "le")]
                assert bounds, f"{cls.__name__}.{name} has no bounds"


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^(\./scripts/\w+)\s", README, re.M)
    assert commands == ["./scripts/serve", "./scripts/test"]
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert (ROOT / command).stat().st_mode & 0o111, f"{command} is not executable"


def test_readme_pictures_exist() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert pictures, "the README shows no picture"
    for picture in pictures:
        assert (ROOT / picture).is_file(), f"README shows {picture}, which is missing"


def test_architecture_names_every_layer_and_only_files_that_exist() -> None:
    """ARCHITECTURE.md is the map a new engineer reads first: every folder of plugin/ is on it, and every file it
    names by path is there."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    folders = {p.name for p in (ROOT / "plugin").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {f for f in folders if f"{f}/" not in text} == set()
    named = set(re.findall(r"`((?:plugin/|tests/)?[a-z_]+(?:/[a-z_<>]+)*\.(?:py|md|sql))", text))
    missing = []
    for name in named:
        if "<" in name:
            continue
        candidates = [ROOT / name, *(ROOT / d / name for d in ("plugin", "tests")), *ROOT.glob(f"*/*/{name}")]
        if not any(c.exists() for c in candidates):
            missing.append(name)
    assert sorted(missing) == []


def test_readme_names_the_demo_model_as_the_picker_shows_it() -> None:
    """A new user looks for what the README says in Open WebUI's model picker, which shows the model's name."""
    demo = (ROOT / "scripts" / "demo_model.py").read_text(encoding="utf-8")
    model_id = re.search(r'^MODEL_ID = "([^"]+)"', demo, re.M)
    name = re.search(r'"name": "([^"]+)"', demo)
    assert model_id and name
    try_it = README.split("## Try it", 1)[1].split("\n## ", 1)[0]
    assert f'"{name.group(1)}" (`{model_id.group(1)}`)' in try_it
    assert f"chat with `{model_id.group(1)}`" not in try_it


def test_readme_puts_the_notice_where_open_webui_draws_it() -> None:
    """The notice is the reply's status line, which Open WebUI draws above the reply's text (the browser test
    `test_reply_shows_the_billing_notice` checks the position)."""
    assert not re.search(r"notice (?:is )?under", README, re.I)
    assert "shown on a line above the reply" in README
