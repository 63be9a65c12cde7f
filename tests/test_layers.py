"""The package's shape, read from its source: each layer imports only the layers below it, no module imports itself
back through others (a lazy import inside a function counts: it is still a loop), only the adapter imports Open
WebUI, and no module outgrows ~500 lines except data tables. ARCHITECTURE.md draws the same picture in words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1] / "plugin"

# Bottom to top. A module may import its own layer and any layer listed before it; `tools` sits beside the stack
# and may import anything, and nothing but `python -m plugin` imports it.
LAYERS = ("words", "text", "errors", "money", "store", "domain", "openwebui", "app", "ui", "functions")
MAX_LINES = 500


def layer_of(module: str) -> str:
    """`plugin.domain.billing` -> `domain`; `plugin.money` -> `money`; `plugin` itself is the bottom."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "words"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PLUGIN.rglob("*.py")):
        parts = path.relative_to(PLUGIN.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules `name` imports anywhere in its text (function-level imports included)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    result: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                result.add(target if target in known else base)
        elif isinstance(node, ast.Import):
            result.update(alias.name for alias in node.names)
    return {m for m in result if m in known and m != name}


def test_the_layer_table_names_every_folder_and_top_level_module() -> None:
    assert {layer_of(m) for m in modules()} - {"tools", "__main__"} <= set(LAYERS)


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    known = modules()
    upward = []
    for name, path in known.items():
        here = layer_of(name)
        for target in sorted(imports(name, path, known)):
            there = layer_of(target)
            if there in ("tools", "__main__"):
                if here not in ("tools", "__main__"):
                    upward.append(f"{name} -> {target} (only the command line imports the tools)")
            elif here not in ("tools", "__main__") and LAYERS.index(there) > LAYERS.index(here):
                upward.append(f"{name} ({here}) -> {target} ({there})")
    assert upward == []


def test_the_presentation_reaches_open_webui_only_through_the_session() -> None:
    """The layer order would let `ui` import the adapter; the design does not: Open WebUI's services reach a command
    or a button through `app.session`, so a test can hand them in."""
    known = modules()
    reached = {
        name: sorted(
            target
            for target in imports(name, path, known)
            if target == "plugin.openwebui" or target.startswith("plugin.openwebui.")
        )
        for name, path in known.items()
        if layer_of(name) == "ui"
    }
    assert {name: found for name, found in reached.items() if found} == {}


def test_buttons_never_reach_into_the_command_parser() -> None:
    """Both front-ends share the session and the views; the buttons read no command table and call no handler."""
    known = modules()
    reached = imports("plugin.ui.buttons", known["plugin.ui.buttons"], known)
    assert (
        sorted(n for n in reached if n in ("plugin.ui.parse", "plugin.ui.commands") or n.startswith("plugin.ui.cmd_"))
        == []
    )


def test_no_import_loop() -> None:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    loops: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules: importing the parent package runs its __init__ only
            if state.get(nxt) == 1:
                loops.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert loops == []


def test_only_the_adapter_imports_open_webui() -> None:
    importers = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                named = [node.module or ""]
            if any(n == "open_webui" or n.startswith("open_webui.") for n in named):
                importers.append(name)
    assert sorted(set(importers)) == ["plugin.openwebui"]


def is_data_table(tree: ast.Module) -> bool:
    """A module of literals only: a docstring, imports, and names bound to constants, dicts, tuples, lists or
    strings, which may repeat a table bound above (`{**BUDGET_SCOPES, ...}`) but compute nothing."""
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            continue
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if value is None or not _literal(value, bound):
            return False
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[union-attr]
        bound |= {target.id for target in targets if isinstance(target, ast.Name)}
    return True


def _literal(node: ast.AST, bound: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in bound
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return isinstance(node.operand, ast.Constant)  # -1.5
    if isinstance(node, ast.Dict):
        keys = [k for k in node.keys if k is not None]  # None: a `**TABLE` spread, checked among the values
        return all(_literal(part, bound) for part in (*keys, *node.values))
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_literal(element, bound) for element in node.elts)
    return False


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_outgrows_a_reading(name: str) -> None:
    path = modules()[name]
    text = path.read_text(encoding="utf-8")
    if is_data_table(ast.parse(text)):
        return
    lines = len(text.splitlines())
    if lines > MAX_LINES:
        pytest.fail(f"{path.relative_to(PLUGIN.parent)} has {lines} lines (over {MAX_LINES}): split it along a seam")


@pytest.mark.parametrize(
    ("source", "table"),
    [
        ('"""Words."""\nA = {"x": ("y",)}\nB = {**A, "z": (1, -1.5, None)}\n', True),
        ('A = {"x": ("y",)}\nB = {**A, "z": (1, -A, None)}\n', False),
        ("B = {**A}\n", False),  # a name not bound above is not data of this module
        ("A = (1,)\nB = A + A\n", False),
        ("A = sorted([2, 1])\n", False),
        ("def f():\n    return 1\n", False),
    ],
)
def test_a_data_table_holds_literals_only(source: str, table: bool) -> None:
    """The size limit spares only modules that compute nothing (the word tables): a sum, a call or a function is
    code, which must stay small enough to read."""
    assert is_data_table(ast.parse(source)) is table
