"""Tests for the bundler that turns plugin/ into single-file Open WebUI Functions.

Generated files are exec'd the way Open WebUI 0.12.4 does it (throwaway module,
deleted afterwards), and open_webui's own frontmatter, import-rewriting and
loader code run in a subprocess so its import-time side effects (data dir,
database, warnings) stay out of this test process.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import pytest

from plugin.tools import bundle

REPO = Path(__file__).resolve().parents[2]
CLASSES = set(bundle.FUNCTION_CLASSES)

TRICKY = (
    "'''triple single''' and \"\"\"triple double\"\"\"\n"
    "backslashes \\ \\\\ \\n \\' \\\"\n"
    "tab\tcarriage\r\nnul-ish \x07 bom \ufeff nbsp \u00a0 unicode é 漢 🎉\n"
    "ends with quote and backslash \\'"
)


@pytest.fixture(autouse=True)
def isolated_imports():
    """Undo the finders and private modules that loading a bundle registers."""
    meta_path = list(sys.meta_path)
    modules = set(sys.modules)
    yield
    sys.meta_path[:] = meta_path
    for name in set(sys.modules) - modules:
        if name.startswith("_openwebui_monitor_"):
            del sys.modules[name]


def make_package(root: Path, version: str = "1.2.3") -> Path:
    """A small throwaway library shaped like the real one."""
    files = {
        "plugin/__init__.py": f'__version__ = "{version}"\n',
        "plugin/util.py": (
            "from pathlib import Path\n\n"
            f"TRICKY = {TRICKY!r}\n\n\n"
            "def schema() -> str:\n"
            "    try:\n"
            "        from ._bundled import FILES\n\n"
            '        return FILES["schema.sql"]\n'
            "    except ImportError:\n"
            '        return (Path(__file__).parent.parent / "schema.sql").read_text()\n'
        ),
        "plugin/tricky.py": f"# {TRICKY.replace(chr(10), ' ')}\nX = 1\n'''{'doc'}'''\n",
        "plugin/functions/__init__.py": "",
        "schema.sql": "CREATE TABLE t (a TEXT DEFAULT '''');\n-- \\ back\\slash '",
    }
    for cls, mod in (("Filter", "filter"), ("Pipe", "pipe"), ("Action", "action"), ("Action", "admin_action")):
        files[f"plugin/functions/{mod}.py"] = (
            "from pydantic import BaseModel\n\n"
            "from ..util import schema\n\n\n"
            f"class {cls}:\n"
            "    class Valves(BaseModel):\n"
            "        enabled: bool = True\n\n"
            "    def __init__(self) -> None:\n"
            "        self.valves = self.Valves()\n"
            "        self.schema = schema()\n"
        )
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def copy_repo(dest: Path) -> Path:
    """Copy the real repo's bundling inputs so tests never mutate the real tree."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "plugin", dest / "plugin", ignore=ignore)
    shutil.copy2(REPO / "schema.sql", dest / "schema.sql")
    for target in bundle.TARGETS:
        if (REPO / target.filename).exists():
            shutil.copy2(REPO / target.filename, dest / target.filename)
    return dest


def set_version(root: Path, version: str) -> None:
    init = root / "plugin" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    new = re.sub(r"__version__\s*=\s*['\"][^'\"]*['\"]", f'__version__ = "{version}"', text)
    assert new != text
    init.write_text(new, encoding="utf-8")


def load_like_openwebui(text: str, tmp_path: Path) -> types.ModuleType:
    """Mimic load_function_module_by_id: exec under a random name, then delete."""
    name = f"function_x_{uuid.uuid4().hex}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    temp = tmp_path / f"{name}.py"
    temp.write_text(text, encoding="utf-8")
    module.__dict__["__file__"] = str(temp)
    try:
        exec(text, module.__dict__)
    finally:
        del sys.modules[name]
        temp.unlink()
    return module


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plugin", "bundle", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def check_loaded(module: types.ModuleType, target: bundle.Target, root: Path) -> type:
    """The checks every generated file must pass once exec'd."""
    exposed = {n for n in vars(module) if n in CLASSES}
    assert exposed == {target.cls}
    cls = getattr(module, target.cls)
    aliases = [n for n, v in vars(module).items() if v is cls and n != target.cls]
    assert aliases == []
    instance = cls()
    assert hasattr(instance, "valves")
    pkg = module._PKG
    sources = bundle.sources_for(target, bundle.collect_sources(root))
    # The embedded texts and what the loader serves are the files, byte for byte.
    assert {k: v[1:] for k, v in module._EMBEDDED.items()} == sources
    bundled = sys.modules[pkg + "._bundled"]
    # The non-Python files, only where a module reads them (the throwaway package does; the real ones do not).
    files = {rel: text for rel, text in sources.items() if not rel.endswith(".py")}
    assert bundled.FILES == files
    assert files == ({"schema.sql": (root / "schema.sql").read_bytes().decode()} if "plugin/util.py" in sources else {})
    for rel in sources:
        if rel.endswith(".py"):
            dotted = rel[len("plugin/") : -len(".py")].replace("/", ".")
            name = re.sub(r"\.?__init__$", "", f"{pkg}.{dotted}").rstrip(".")
            loader: Any = sys.modules[pkg].__loader__  # the bundle's own importer, which has get_source
            assert loader.get_source(name).encode() == (root / rel).read_bytes()
    assert cls.__module__ == f"{pkg}.{target.module}"
    return cls


def test_cli_bundle_then_check_and_staleness(tmp_path: Path) -> None:
    root = copy_repo(tmp_path)
    assert run_cli(root).returncode == 0
    ok = run_cli(root, "--check")
    assert ok.returncode == 0, ok.stderr
    assert run_cli(root).stdout.strip() == "generated files unchanged"

    source = root / "plugin" / "functions" / "filter.py"
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    stale = run_cli(root, "--check")
    assert stale.returncode == 1
    for target in bundle.TARGETS:  # every bundle embeds every source
        assert target.filename in stale.stderr

    assert run_cli(root).returncode == 0
    assert run_cli(root, "--check").returncode == 0
    generated = root / "admin_action.py"
    generated.write_text(generated.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    stale = run_cli(root, "--check")
    assert stale.returncode == 1
    assert "admin_action.py" in stale.stderr
    assert "openwebui_monitor_filter.py" not in stale.stderr
    generated.unlink()
    assert "admin_action.py" in run_cli(root, "--check").stderr


def test_real_repo_check_passes() -> None:
    result = run_cli(REPO, "--check")
    assert result.returncode == 0, result.stderr


def test_output_is_deterministic_and_sorted(tmp_path: Path) -> None:
    root = make_package(tmp_path)
    for tool in ("tools/bundle.py", "__main__.py", "tools/install.py", "__pycache__/util.py"):
        (root / "plugin" / tool).parent.mkdir(exist_ok=True, parents=True)
        (root / "plugin" / tool).write_text("TOOL = 1\n", encoding="utf-8")
    first = bundle.render_all(root)
    assert first == bundle.render_all(root)
    keys = list(bundle.collect_sources(root))
    assert keys == sorted(keys)
    assert not [k for k in keys if "TOOL = 1" in bundle.collect_sources(root)[k]]
    real = bundle.collect_sources(REPO)
    assert "schema.sql" in real
    assert not {"plugin/tools/bundle.py", "plugin/tools/cli.py", "plugin/tools/install.py"} & set(real)


def test_header_layout() -> None:
    version = bundle.read_version(REPO)
    for target in bundle.TARGETS:
        lines = bundle.render_all(REPO)[target.filename].splitlines()
        assert lines[:8] == [
            '"""',
            f"title: {target.title}",
            f"author: {bundle.AUTHOR}",
            f"version: {version}",
            "license: MIT",
            f"description: {target.description}",
            f"requirements: {bundle.REQUIREMENTS}",
            '"""',
        ]
        assert "python -m plugin bundle" in lines[9]
        assert "Do not edit by hand" in lines[10]


def test_the_function_comes_first_then_its_imports_and_postgres_last() -> None:
    """Reading order: the Function's own module, then each module after one that imports it (breadth-first), the
    package `__init__`s nothing imports by name, and the PostgreSQL modules at the very end."""
    sources = bundle.collect_sources(REPO)
    for target in bundle.TARGETS:
        order = list(bundle.sources_for(target, sources))
        assert order[0] == f"plugin/{target.module.replace('.', '/')}.py"
        assert order[-len(bundle.POSTGRES_ONLY) :] == list(bundle.POSTGRES_ONLY), target.filename
        reached = [rel for rel in order[1:] if rel not in bundle.POSTGRES_ONLY and not rel.endswith("/__init__.py")]
        for rel in reached:  # each one after a module that imports it
            earlier = order[: order.index(rel)]
            assert any(rel in bundle._imports(e, sources[e], sources) for e in earlier if e.endswith(".py")), rel
        depth = {order[0]: 0}  # breadth-first: no module sits before one nearer the Function
        for rel in order:
            for imported in bundle._imports(rel, sources[rel], sources) if rel in depth else ():
                depth.setdefault(imported, depth[rel] + 1)
        ranked = [depth[rel] for rel in order if rel in depth and rel not in bundle.POSTGRES_ONLY]
        assert ranked == sorted(ranked), target.filename
        # The Function's own imports follow it in the order its source names them.
        entry = order[0]
        direct = [rel for rel in bundle._imports(entry, sources[entry], sources) if rel not in bundle.POSTGRES_ONLY]
        assert order[1 : 1 + len(direct)] == direct


def test_the_contents_lists_each_embedded_file_where_it_starts() -> None:
    """The generated file opens with its contents: one line per embedded file, in the order they are embedded, with
    the line its text starts on and its docstring's first line; the PostgreSQL modules say they are only for a
    PostgreSQL database."""
    texts = bundle.render_all(REPO)
    sources = bundle.collect_sources(REPO)
    row = re.compile(r"#   (\S+)\s+line\s+(\d+)(?:  (.*))?")
    for target in bundle.TARGETS:
        lines = texts[target.filename].splitlines()
        start = lines.index(next(line for line in lines if line.startswith("# Contents:")))
        assert start < lines.index("import importlib") and start < 20
        rows = [row.fullmatch(line) for line in lines[start + 1 : lines.index("import importlib")] if line]
        assert all(rows), lines[start + 1 : start + 5]
        embedded = bundle.sources_for(target, sources)
        assert [m.group(1) for m in rows if m] == list(embedded)
        for m in rows:
            assert m is not None
            rel, number, summary = m.group(1), int(m.group(2)), m.group(3) or ""
            assert lines[number - 2] == f"    {json.dumps(rel)}: r'''", rel  # the line after its name
            if embedded[rel]:
                assert lines[number - 1] == embedded[rel].splitlines()[0], rel
            want = ast_docstring(embedded[rel]) if rel.endswith(".py") else ""
            if rel in bundle.POSTGRES_ONLY:
                want = f"[{bundle.POSTGRES_NOTE}] {want}"
            assert summary == want, rel
        pg = [m.group(3) for m in rows if m and m.group(1) in bundle.POSTGRES_ONLY]
        assert len(pg) == len(bundle.POSTGRES_ONLY) and all("only for database_url = postgresql://" in p for p in pg)
        assert "plugin/functions/filter.py" in lines[start + 1] or target.module != "functions.filter"


def ast_docstring(text: str) -> str:
    """A module's docstring's first line."""
    import ast

    return (ast.get_docstring(ast.parse(text)) or "").strip().split("\n")[0].strip()


def test_throwaway_package_round_trips(tmp_path: Path) -> None:
    root = make_package(tmp_path / "repo")
    for target in bundle.TARGETS:
        text = bundle.render_all(root)[target.filename]
        module = load_like_openwebui(text, tmp_path)
        cls = check_loaded(module, target, root)
        assert cls().schema == (root / "schema.sql").read_bytes().decode()
        assert sys.modules[module._PKG + ".util"].TRICKY == TRICKY
        # Tracebacks and inspect can show the embedded lines.
        assert f"class {target.cls}:" in inspect.getsource(cls)


def test_real_bundles_load_reload_and_coexist(tmp_path: Path) -> None:
    root = copy_repo(tmp_path / "v1")
    other = copy_repo(tmp_path / "v2")
    set_version(other, "99.0.0-test")
    texts = bundle.render_all(root)
    other_texts = bundle.render_all(other)
    for target in bundle.TARGETS:
        first = load_like_openwebui(texts[target.filename], tmp_path)
        cls = check_loaded(first, target, root)
        pkg_module = sys.modules[first._PKG]
        finders = len(sys.meta_path)
        again = load_like_openwebui(texts[target.filename], tmp_path)
        assert again._PKG == first._PKG
        assert sys.modules[first._PKG] is pkg_module
        assert getattr(again, target.cls) is cls
        assert len(sys.meta_path) == finders

        second = load_like_openwebui(other_texts[target.filename], tmp_path)
        other_cls = check_loaded(second, target, other)
        assert second._PKG != first._PKG
        assert second._PKG.startswith("_openwebui_monitor_99_0_0_test_")
        assert other_cls is not cls
        assert sys.modules[first._PKG] is pkg_module


def test_each_function_embeds_what_it_imports_and_all_three_share_one_package(tmp_path: Path) -> None:
    texts = bundle.render_all(REPO)
    embedded = {t.filename: bundle.sources_for(t, bundle.collect_sources(REPO)) for t in bundle.TARGETS}
    filter_files = embedded["openwebui_monitor_filter.py"]
    assert "plugin/store/sqlite.py" in filter_files and "plugin/domain/billing.py" in filter_files
    # The filter runs on every chat: the report model, its reads, the dashboard and the exports stay out of it.
    report_side = {
        "plugin/ui/commands.py",
        "plugin/ui/parse.py",
        "plugin/ui/dashboard.py",
        "plugin/domain/reports.py",
        "plugin/domain/rollups.py",
        "plugin/domain/exchange.py",
        "plugin/domain/restore.py",
        "plugin/store/reports.py",
        "plugin/app/session.py",
    }
    assert not report_side & set(filter_files)
    # A bound on the rest: the action carries everything the filter does but the money path (billing, metering).
    assert len(texts["openwebui_monitor_filter.py"]) < 0.68 * len(texts["admin_action.py"])
    for order in (bundle.TARGETS, tuple(reversed(bundle.TARGETS))):
        loaded = [load_like_openwebui(texts[t.filename], tmp_path) for t in order]
        pkg = loaded[0]._PKG
        assert {m._PKG for m in loaded} == {pkg}
        assert [f for f in sys.meta_path if getattr(f, "owm_package", None) == pkg].__len__() == 1
        for module, target in zip(loaded, order, strict=True):
            cls = getattr(module, target.cls)
            assert cls.__module__ == f"{pkg}.{target.module}"
            cls()
        # One store module, so the Filter, the Pipe and the Action share one connection per database file.
        store = sys.modules[pkg + ".store"]
        assert all(sys.modules[f"{pkg}.{name}"].Store is store.Store for name in ("domain.billing", "app.session"))
        for name in [n for n in sys.modules if n.startswith(pkg)]:
            del sys.modules[name]
        sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "owm_package", None) != pkg]


def test_the_filter_carries_only_the_messages_it_speaks() -> None:
    """The report model's messages stay out of the Filter's file; everything the Filter's modules may say is in the
    common table (read from the sources, since the tests load the report messages too)."""
    import ast

    from plugin.words import LANGUAGES

    sources = bundle.collect_sources(REPO)
    filter_files = bundle.sources_for(bundle.TARGETS[0], sources)
    report_files = ["plugin/words/reports.py", *(f"plugin/words/{lang}/reports.py" for lang in LANGUAGES)]
    assert not [rel for rel in report_files if rel in filter_files]
    assert not [rel for t in bundle.TARGETS for rel in bundle.sources_for(t, sources) if not rel.endswith(".py")]
    assert all(rel in bundle.sources_for(t, sources) for t in bundle.TARGETS[1:] for rel in report_files)

    def literal_keys(text: str) -> set[str]:
        return {n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}

    def table_keys(path: str) -> set[str]:
        for node in ast.parse(sources[path]).body:
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES" and node.value:
                return set(ast.literal_eval(node.value))
        raise AssertionError(f"MESSAGES not found in {path}")

    own = {lang: table_keys(f"plugin/words/{lang}/common.py") for lang in LANGUAGES}
    reports = {lang: table_keys(f"plugin/words/{lang}/reports.py") for lang in LANGUAGES}
    assert own["en"] and not own["en"] & reports["en"]
    assert all(own[lang] == own["en"] and reports[lang] == reports["en"] for lang in LANGUAGES)
    every_key = own["en"] | reports["en"]
    said = set()
    for path, text in filter_files.items():
        if path.endswith(".py") and not path.startswith("plugin/words/"):
            said |= literal_keys(text) & every_key
    assert said and said <= own["en"], sorted(said - own["en"])


def test_package_name_scheme(tmp_path: Path) -> None:
    root = make_package(tmp_path, version="0.3.1")
    name = bundle.package_name("0.3.1", bundle.collect_sources(root))
    assert re.fullmatch(r"_openwebui_monitor_0_3_1_[0-9a-f]{10}", name)
    (root / "plugin" / "util.py").write_text("X = 2\n", encoding="utf-8")
    assert bundle.package_name("0.3.1", bundle.collect_sources(root)) != name


@pytest.mark.parametrize("phrase", bundle.REWRITTEN_PHRASES)
def test_rewritten_phrase_in_source_is_rejected(tmp_path: Path, phrase: str) -> None:
    root = make_package(tmp_path)
    (root / "plugin" / "util.py").write_text(f"X = 1\n# load prices {phrase} here\n")
    with pytest.raises(bundle.BundleError, match=r"plugin/util\.py:2: .*replace_imports"):
        bundle.render_all(root)
    result = run_cli_with_root(root)
    assert result.returncode == 2
    assert "plugin/util.py:2" in result.stderr
    assert not (root / "openwebui_monitor_filter.py").exists()


def run_cli_with_root(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plugin", "bundle", "--root", str(root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_literal_round_trips_awkward_text() -> None:
    import ast

    for text in (TRICKY, "", "'", "\\", "''", "'''", "a'''b''''c", "x\\", "\r", "\x00"):
        assert ast.literal_eval(bundle.text_literal(text)) == "\n" + text
    plain = "def f():\n    return r'\\d+'  # \"quoted\"\n"
    assert bundle.text_literal(plain) == "r'''\n" + plain + "'''"


OPENWEBUI_PROBE = r"""
import asyncio, json, sys
from open_webui.utils.plugin import (
    extract_frontmatter, load_function_module_by_id, replace_imports,
)


async def probe(path):
    text = open(path, encoding="utf-8").read()
    first, kind, front, module = await load_function_module_by_id("probe_1", text)
    again, _, _, _ = await load_function_module_by_id("probe_2", text)
    return {
        "frontmatter": extract_frontmatter(text),
        "loader_frontmatter": front,
        "unchanged": replace_imports(text) == text,
        "type": kind,
        "same_class": type(first) is type(again),
        "has_valves": hasattr(first, "valves"),
        "outer_module_gone": module.__name__ not in sys.modules,
    }


print(json.dumps({p: asyncio.run(probe(p)) for p in sys.argv[1:]}))
"""


def test_open_webui_loader_accepts_real_bundles(tmp_path: Path) -> None:
    paths = []
    for name, text in bundle.render_all(REPO).items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    data_dir = tmp_path / "owui-data"
    data_dir.mkdir()
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "OFFLINE_MODE": "true",  # never pip-install the frontmatter requirements
        "ENABLE_PIP_INSTALL_FRONTMATTER_REQUIREMENTS": "false",
        "WEBUI_SECRET_KEY": "test-only",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", OPENWEBUI_PROBE, *map(str, paths)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    version = bundle.read_version(REPO)
    for target in bundle.TARGETS:
        entry = report[str(tmp_path / target.filename)]
        front = entry["frontmatter"]
        assert front["title"] == target.title
        assert front["version"] == version
        assert front["requirements"] == bundle.REQUIREMENTS
        assert front["author"] == bundle.AUTHOR
        assert front["license"] == "MIT"
        assert front["description"] == target.description
        assert entry["unchanged"] is True
        assert entry["type"] == target.cls.lower()
        assert entry["same_class"] is True
        assert entry["has_valves"] is True
        assert entry["outer_module_gone"] is True
        assert entry["loader_frontmatter"] == front


def test_schema_postgres_sql_is_generated_from_the_steps_the_code_runs(tmp_path: Path) -> None:
    """The PostgreSQL schema is written once, in store/postgres_schema.py; the file beside schema.sql is its text,
    and a hand edit of the file (or a step added without rerunning bundle) is reported stale."""
    from plugin.store import postgres_schema

    text = bundle.postgres_schema(REPO)["schema_postgres.sql"]
    assert (REPO / "schema_postgres.sql").read_text(encoding="utf-8") == text
    for name, script in postgres_schema.STEPS:
        assert f"-- step {name}\n{script.rstrip()}\n" in text
    root = tmp_path / "repo"
    shutil.copytree(REPO / "plugin", root / "plugin", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("schema.sql", "schema_postgres.sql", *(t.filename for t in bundle.TARGETS)):
        shutil.copy2(REPO / name, root / name)
    assert bundle.stale_bundles(root) == []
    with (root / "schema_postgres.sql").open("a", encoding="utf-8") as edited:
        edited.write("CREATE TABLE sneaked_in (a BIGINT);\n")
    assert bundle.stale_bundles(root) == ["schema_postgres.sql"]
    bundle.write_bundles(root)
    assert (root / "schema_postgres.sql").read_text(encoding="utf-8") == text
