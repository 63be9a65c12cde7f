"""The translation tables: one list of languages, every key and {placeholder} in every language, every key the
code uses present, explicit loading, and the valves' language choices generated from the one list."""

from __future__ import annotations

import ast
import string
import subprocess
import sys
from pathlib import Path

import pytest

from plugin import words
from plugin.words import LANGUAGES, Table, i18n
from plugin.words.common import COMMON
from plugin.words.reports import REPORTS

REPO = Path(__file__).resolve().parents[2]
TABLES = (COMMON, REPORTS)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_language_has_a_folder_and_every_table() -> None:
    folders = {p.parent.name for p in (REPO / "plugin" / "words").glob("*/__init__.py")}
    assert folders == set(LANGUAGES) and LANGUAGES[0] == "en"
    for table in TABLES:
        assert tuple(table.messages) == LANGUAGES, table.name


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_every_language_has_every_key_and_placeholder(table: Table) -> None:
    english = table.messages["en"]
    assert english
    for lang in LANGUAGES:
        assert table.messages[lang].keys() == english.keys(), (lang, english.keys() ^ table.messages[lang].keys())
        for key, text in table.messages[lang].items():
            assert text, (lang, key)
            assert placeholders(text) == placeholders(english[key]), (lang, key)


def test_the_tables_do_not_share_keys() -> None:
    assert not COMMON.messages["en"].keys() & REPORTS.messages["en"].keys()


def _scopes(node: ast.AST, scope: ast.AST) -> dict[ast.AST, ast.AST]:
    """Each node under `node` -> its innermost enclosing function (or `scope`)."""
    found: dict[ast.AST, ast.AST] = {}
    for child in ast.iter_child_nodes(node):
        found[child] = scope
        found |= _scopes(child, child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope)
    return found


def _used_keys() -> tuple[set[str], set[str]]:
    """The message keys the code names, read from plugin/ (words/ aside): literals given to `i18n.t(lang, KEY)`,
    `_t(lang, KEY)` and `ctx.t(KEY)` (and to their `tn` forms, which need `KEY_one` too), values of `key = ...`/
    `key=...`, and what a name given as the key was set to or iterates over in the same function. Returns (whole
    keys, prefixes of f-string keys such as f"period_{p}")."""
    keys: set[str] = set()
    prefixes: set[str] = set()

    def collect(node: ast.AST, scope: ast.AST) -> None:
        if isinstance(node, ast.Name):
            for other in ast.walk(scope):
                if isinstance(other, ast.Assign) and any(getattr(t, "id", None) == node.id for t in other.targets):
                    collect(other.value, scope)
                elif isinstance(other, ast.For | ast.comprehension) and getattr(other.target, "id", None) == node.id:
                    collect(other.iter, scope)
            return
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                prefixes.add(first.value)
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            keys.add(node.value)
            return
        if isinstance(node, ast.IfExp | ast.Tuple | ast.List | ast.BoolOp):
            for child in ast.iter_child_nodes(node):
                if child is not getattr(node, "test", None):
                    collect(child, scope)

    for path in sorted((REPO / "plugin").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(("plugin/words/", "plugin/tools/bundle.py")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scope_of = _scopes(tree, tree)
        for node in ast.walk(tree):
            scope = scope_of.get(node, tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                owner = getattr(node.func, "value", None)
                said_of_a_count = name in ("tn", "_tn")  # i18n.tn(lang, KEY, n): KEY and KEY_one
                if (name in ("t", "tn") and isinstance(owner, ast.Name) and owner.id == "i18n") or name in (
                    "_t",
                    "_tn",
                ):
                    index = 1
                elif name in ("t", "tn") and owner is not None:
                    index = 0  # ctx.t(KEY)
                else:
                    index = -1
                if 0 <= index < len(node.args):
                    collect(node.args[index], scope)
                    literal = node.args[index]
                    if said_of_a_count and isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                        keys.add(f"{literal.value}_one")
                for keyword in node.keywords:
                    if keyword.arg == "key":
                        collect(keyword.value, scope)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(scope_of.get(node), ast.Module):
                pass  # module constants are not keys
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]
                    value = getattr(stmt, "value", None)
                    if value is not None and any(getattr(t, "id", None) == "key" for t in targets):
                        collect(value, scope)
    return keys, prefixes


def test_every_key_the_code_uses_is_in_every_language() -> None:
    every = COMMON.messages["en"].keys() | REPORTS.messages["en"].keys()
    keys, prefixes = _used_keys()
    assert len(keys) > 100, len(keys)  # the scan finds the keys (not an empty pass)
    assert keys <= every, sorted(keys - every)
    assert all(any(key.startswith(prefix) for key in every) for prefix in prefixes), prefixes
    for lang in LANGUAGES:  # and loaded, they say something in every language
        assert all(i18n.MESSAGES[lang].get(key) for key in keys), lang


def test_a_missing_key_names_the_key_and_the_tables() -> None:
    with pytest.raises(i18n.MissingMessage) as info:
        i18n.t("zh", "no_such_message")
    assert str(info.value).startswith("no message 'no_such_message' in the loaded tables (words.common, words.reports")
    assert isinstance(info.value, KeyError)


def test_a_table_cannot_load_a_key_twice() -> None:
    before = {lang: dict(table) for lang, table in i18n.MESSAGES.items()}
    with pytest.raises(ValueError, match=r"words\.again: keys already loaded .*'cost'"):
        i18n.load(Table("words.again", {"en": {"cost": "x"}}))
    i18n.load(REPORTS)  # loaded already: nothing happens
    assert i18n.MESSAGES == before and "words.again" not in i18n.LOADED


def test_a_language_falls_back_to_english() -> None:
    assert i18n.language(None, "zh-CN") == "zh" and i18n.language("es_MX") == "es" and i18n.language("fr", "") == "en"
    assert i18n.t("fr", "cost", amount="$1") == i18n.t("en", "cost", amount="$1")


def _fresh(code: str) -> str:
    """Run `code` in a new interpreter (no test has loaded anything there) and return what it prints."""
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_front_ends_load_what_they_speak_and_the_filter_does_not() -> None:
    """Explicit loading: the pipe and the action load the report messages; importing the Filter (and so every
    module it imports) loads only the common table."""
    show = "from plugin.words import i18n; print(','.join(i18n.LOADED))"
    assert _fresh(f"import plugin.functions.filter; {show}") == "words.common"
    assert _fresh(f"import plugin.functions.pipe; {show}") == "words.common,words.reports"
    assert _fresh(f"import plugin.functions.action; {show}") == "words.common,words.reports"


def test_the_valves_offer_the_languages_of_the_one_list() -> None:
    from plugin.functions.action import Action
    from plugin.functions.filter import Filter
    from plugin.functions.pipe import Pipe

    for cls in (Filter, Pipe, Action):
        schema = cls.Valves.model_json_schema()["properties"]["language"]
        assert schema["enum"] == list(LANGUAGES) and schema["type"] == "string" and schema["default"] == "en"
    for cls in (Filter, Pipe, Action):
        schema = cls.UserValves.model_json_schema()["properties"]["language"]
        assert schema["enum"] == ["", *LANGUAGES] and schema["default"] == ""
    assert words.LANGUAGES == LANGUAGES


def test_every_language_has_the_same_vocabulary_tables() -> None:
    """Each `words/<code>/reports.py` defines the typed-word tables the English one does, keyed by English keys (a
    language may lack words for a key), and the joined tables take every language's words, English first."""
    import importlib

    from plugin.words import vocabulary

    def tables(module: object) -> dict[str, object]:
        return {name: value for name, value in vars(module).items() if name.isupper() and name != "MESSAGES"}

    english = tables(importlib.import_module("plugin.words.en.reports"))
    assert {"SYNONYMS", "SUBCOMMANDS", "FILLER", "RANGE_NAMES"} <= english.keys()
    for lang in LANGUAGES:
        own = tables(importlib.import_module(f"plugin.words.{lang}.reports"))
        assert own.keys() == english.keys(), lang
        for name, table in own.items():
            assert type(table) is type(english[name]), (lang, name)
            if isinstance(table, dict):
                assert table.keys() <= english[name].keys(), (lang, name)  # type: ignore[attr-defined]
        for key, typed in own["SYNONYMS"].items():  # type: ignore[attr-defined]
            assert set(typed) <= set(vocabulary.SYNONYMS[key]), (lang, key)
    assert all(vocabulary.SYNONYMS[key][0] == key for key in vocabulary.SYNONYMS)  # `/usage`: English first


def test_the_filter_carries_no_vocabulary() -> None:
    from plugin.tools import bundle

    embedded = bundle.sources_for(bundle.TARGETS[0], bundle.collect_sources(REPO))
    assert not [
        rel for rel in embedded if rel.startswith("plugin/words/") and rel.endswith(("/reports.py", "/vocabulary.py"))
    ]
    assert "plugin/words/common.py" in embedded
