"""Generate the single-file Open WebUI Functions from the ``plugin`` package.

Open WebUI loads a Function from one pasted Python text, but the library is an
ordinary package with relative imports plus ``schema.sql``.  The bundler embeds
every runtime source as readable text (admins read what they paste) and adds a
tiny loader that registers the package under a private, versioned module name,
so two versions can coexist in one Open WebUI process.  Output is deterministic
so ``--check`` can detect stale generated files in CI.

A generated file is read top-down by an admin deciding whether to trust it: it opens with a table of contents
(one line per embedded module: where it starts and its docstring's first line), then the Function's own module,
then what it imports, breadth-first in import order, and the PostgreSQL modules last (a SQLite-only admin can stop
reading there); the loader comes at the end.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

AUTHOR = "OpenWebUI Monitor contributors"
REQUIREMENTS = "sqlite-utils>=4.2"
EXCLUDED = ("plugin/tools/", "plugin/__main__.py")  # tools, not runtime: never shipped inside a Function
# open_webui.utils.plugin.replace_imports rewrites these anywhere in the text.
REWRITTEN_PHRASES = ("from utils", "from apps", "from main", "from config")
FUNCTION_CLASSES = ("Pipe", "Filter", "Action", "Event")
# Embedded last and marked in the contents: code that runs only when a valve names a PostgreSQL server.
POSTGRES_ONLY = ("plugin/store/postgres.py", "plugin/store/postgres_schema.py", "plugin/store/postgres_sql.py")
POSTGRES_NOTE = "only for database_url = postgresql://"


class BundleError(Exception):
    """Raised when the sources cannot be bundled into a working Function."""


@dataclass(frozen=True)
class Target:
    """One generated Function file: where it goes and which class it exposes."""

    filename: str
    module: str  # dotted path inside the package, e.g. "functions.filter"
    cls: str
    title: str
    description: str


TARGETS = (
    Target(
        "openwebui_monitor_filter.py",
        "functions.filter",
        "Filter",
        "OpenWebUI Monitor Filter",
        "Meters every chat: checks the user's balance before a request and records token usage and cost after it.",
    ),
    Target(
        "openwebui_monitor_pipe.py",
        "functions.pipe",
        "Pipe",
        "OpenWebUI Monitor Pipe",
        "OpenWebUI Monitor as a chat model: usage and billing reports for users.",
    ),
    Target(
        "admin_action.py",
        "functions.action",
        "Action",
        "OpenWebUI Monitor Actions",
        "Buttons under replies for everyone: usage of this message and a usage dashboard.",
    ),
    Target(
        "openwebui_monitor_admin_action.py",
        "functions.admin_action",
        "Action",
        "OpenWebUI Monitor Admin Actions",
        "Admin buttons under the Usage Monitor (admin) model: test all models, balances and blocks, prices, export.",
    ),
)

# The loader is plain text so it can be read in the generated file; it must not
# rely on __file__ or on the outer module staying in sys.modules, because Open
# WebUI execs the text in a throwaway module and deletes its temp file.
LOADER = '''
def _install(pkg: str, embedded: dict) -> None:
    """Register the embedded package as `pkg` (once per process) so that its
    relative imports work; a second, different version gets its own name. Each
    Function embeds only the modules it imports; all share one package name,
    so each one loaded later adds its modules to the first one's importer."""
    modules = {}
    files = {}
    for path, text in embedded.items():
        text = text[1:]  # drop the newline that follows each opening quote
        if not (path.startswith("plugin/") and path.endswith(".py")):
            files[path] = text
            continue
        parts = path[len("plugin/") : -len(".py")].split("/")
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts.pop()
        for i in range(len(parts) + (1 if is_pkg else 0)):  # parent packages
            init = "/".join(["plugin", *parts[:i], "__init__.py"])
            modules.setdefault(".".join([pkg, *parts[:i]]), (init, "", True))
        modules[".".join([pkg, *parts])] = (path, text, is_pkg)
    modules[pkg + "._bundled"] = ("plugin/_bundled.py", "", False)

    class _Importer(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        owm_package = pkg

        def __init__(self):
            self.owm_modules = {}
            self.owm_files = {}

        def find_spec(self, fullname, path=None, target=None):
            if fullname not in self.owm_modules:
                return None
            origin = "<" + pkg + ">/" + self.owm_modules[fullname][0]
            return importlib.util.spec_from_loader(
                fullname, self, origin=origin, is_package=self.owm_modules[fullname][2]
            )

        def get_source(self, fullname):  # lets tracebacks and inspect show lines
            if fullname not in self.owm_modules:
                raise ImportError(fullname)
            return self.owm_modules[fullname][1]

        def exec_module(self, module):
            module.__file__ = module.__spec__.origin
            if module.__name__ == pkg + "._bundled":
                module.FILES = self.owm_files
            source = self.get_source(module.__name__)
            code = compile(source, module.__file__, "exec", dont_inherit=True)
            exec(code, module.__dict__)

    importer = next((f for f in sys.meta_path if getattr(f, "owm_package", None) == pkg), None)
    if importer is None:
        importer = _Importer()
        sys.meta_path.insert(0, importer)
    for name, entry in modules.items():
        if name not in importer.owm_modules or entry[1]:  # a real file over a parent placeholder
            importer.owm_modules[name] = entry
    importer.owm_files.update(files)
    importlib.import_module(pkg)
    importlib.import_module(pkg + "._bundled")
'''


def read_version(root: Path) -> str:
    """Read ``__version__`` statically so bundling never imports the library."""
    init = root / "plugin" / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise BundleError(f"{init}: no string __version__ found")


def collect_sources(root: Path) -> dict[str, str]:
    """Return repo-relative path -> exact text, sorted for deterministic output."""
    paths = [
        p
        for p in (root / "plugin").rglob("*.py")
        if "__pycache__" not in p.parts and not p.relative_to(root).as_posix().startswith(EXCLUDED)
    ]
    paths.append(root / "schema.sql")
    sources: dict[str, str] = {}
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        if rel == "plugin/_bundled.py":
            raise BundleError(f"{path}: name reserved for the bundled files module")
        try:
            sources[rel] = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BundleError(f"{path}: cannot embed: {exc}") from exc
    return sources


def _imports(rel: str, text: str, sources: dict[str, str]) -> list[str]:
    """The library files one module imports relatively, anywhere in its code (function-level imports too), in the
    order the imports appear."""
    package = rel.split("/")[:-1]  # ["plugin"] or ["plugin", "functions"]
    nodes = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)]
    found: list[str] = []
    for node in sorted(nodes, key=lambda node: (node.lineno, node.col_offset)):
        if not node.level or node.level > len(package):
            continue
        base = "/".join(package[: len(package) - node.level + 1] + (node.module.split(".") if node.module else []))
        for name in (base, *(f"{base}/{alias.name}" for alias in node.names)):
            for candidate in (f"{name}.py", f"{name}/__init__.py"):
                if candidate in sources and candidate not in found:
                    found.append(candidate)
    return found


def sources_for(target: Target, sources: dict[str, str]) -> dict[str, str]:
    """What one Function embeds, in reading order: its module, then everything it imports (breadth-first, each
    module's imports in the order they appear), the package `__init__`s not reached that way, the non-Python files
    when an embedded module reads them, and the PostgreSQL modules last. The filter runs on every chat, and Open
    WebUI reads a Function's whole text from its database and compares it on each request: a filter without the
    report model is less than half the text."""
    order = [f"plugin/{target.module.replace('.', '/')}.py"]
    seen = set(order)
    for rel in order:  # grows while it is read: breadth-first
        for imported in _imports(rel, sources[rel], sources):
            if imported not in seen:
                seen.add(imported)
                order.append(imported)
    order += [rel for rel in sources if rel.endswith("/__init__.py") and rel not in seen]
    if any(_reads_files(sources[rel]) for rel in seen):  # the non-Python files, for modules that read them
        order += [rel for rel in sources if not rel.endswith(".py")]
    order = [rel for rel in order if rel not in POSTGRES_ONLY] + [rel for rel in order if rel in POSTGRES_ONLY]
    return {rel: sources[rel] for rel in order}


def summary(rel: str, text: str) -> str:
    """One line for the contents: a module's docstring's first line (a data file's name alone), and the PostgreSQL
    note for the modules only a PostgreSQL database runs."""
    line = ""
    if rel.endswith(".py"):
        docstring = ast.get_docstring(ast.parse(text), clean=True) or ""
        line = docstring.strip().split("\n")[0].strip()
    if rel in POSTGRES_ONLY:
        line = f"[{POSTGRES_NOTE}] {line}".strip()
    return line


def contents(embedded: dict[str, str], lines: dict[str, int]) -> str:
    """The table of contents as comment lines: each embedded file, the line its text starts on, and its summary."""
    width = max(len(rel) for rel in embedded)
    rows = [
        f"#   {rel:<{width}}  line {lines.get(rel, 0):>5}  {summary(rel, text)}".rstrip()
        for rel, text in embedded.items()
    ]
    return "# Contents: the embedded modules, in the order they appear below (the Function's own module first).\n" + (
        "\n".join(rows) + "\n"
    )


def _reads_files(text: str) -> bool:
    """Whether a module imports the bundled files module (`from ._bundled import FILES`)."""
    nodes = ast.walk(ast.parse(text))
    return any(isinstance(node, ast.ImportFrom) and node.level and node.module == "_bundled" for node in nodes)


def check_phrases(name: str, text: str) -> None:
    """Fail loudly instead of shipping text that replace_imports would corrupt."""
    for lineno, line in enumerate(text.splitlines(), 1):
        for phrase in REWRITTEN_PHRASES:
            if phrase in line:
                raise BundleError(
                    f"{name}:{lineno}: contains {phrase!r}, which Open WebUI's "
                    f"replace_imports would rewrite; rephrase it: {line.strip()}"
                )


def text_literal(text: str) -> str:
    """Quote ``text`` as a readable triple-quoted literal preceded by a newline.

    A raw string keeps the text identical to the file; when that is impossible
    (``\'\'\'``, a trailing quote or backslash, control characters) fall back to
    escaping only backslashes, the quotes that matter and unprintable characters.
    The result is verified, so a bug here can never ship a corrupted source.
    """
    body = "\n" + text
    candidate = "r'''" + body + "'''"
    try:
        if ast.literal_eval(candidate) == body:
            return candidate
    except (SyntaxError, ValueError):
        pass
    out = []
    for i, ch in enumerate(body):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'" and (i + 1 == len(body) or body[i + 1] == "'"):
            out.append("\\'")
        elif ch in "\n\t" or ch.isprintable():
            out.append(ch)
        else:
            out.append(ascii(ch)[1:-1])
    candidate = "'''" + "".join(out) + "'''"
    if ast.literal_eval(candidate) != body:  # pragma: no cover - defensive
        raise BundleError("internal error: text literal does not round-trip")
    return candidate


def package_name(version: str, sources: dict[str, str]) -> str:
    """Private name: versioned, plus a content hash so edits never collide."""
    digest = hashlib.sha256()
    for rel, text in sources.items():
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    safe = re.sub(r"[^0-9A-Za-z]", "_", version)
    return f"_openwebui_monitor_{safe}_{digest.hexdigest()[:10]}"


def render(target: Target, version: str, sources: dict[str, str]) -> str:
    """Build the text of one Function file: named after all `sources`, embedding what `target` imports."""
    pkg = package_name(version, sources)
    embedded = sources_for(target, sources)
    entries = [f"    {json.dumps(rel)}: {text_literal(text)},\n" for rel, text in embedded.items()]
    # The contents has one line per file whatever its numbers say, so a draft without them tells where each starts.
    draft = _text(target, version, pkg, contents(embedded, {}), "")
    line = draft[: draft.index("\n_EMBEDDED = {\n")].count("\n") + 3  # the first entry's line
    lines = {}
    for rel, entry in zip(embedded, entries, strict=True):
        lines[rel] = line + 1  # the text starts on the line after its name
        line += entry.count("\n")
    text = _text(target, version, pkg, contents(embedded, lines), "".join(entries))
    check_phrases(target.filename, text)
    return text


def _text(target: Target, version: str, pkg: str, toc: str, entries: str) -> str:
    """The file: frontmatter, contents, the embedded texts, the loader, the class Open WebUI looks for."""
    return (
        '"""\n'
        f"title: {target.title}\n"
        f"author: {AUTHOR}\n"
        f"version: {version}\n"
        "license: MIT\n"
        f"description: {target.description}\n"
        f"requirements: {REQUIREMENTS}\n"
        '"""\n\n'
        "# Generated by `python -m plugin bundle` from the OpenWebUI Monitor\n"
        "# repository. Do not edit by hand: change plugin/ or schema.sql and rerun.\n"
        f"# The embedded sources are loaded as package {pkg}.\n"
        "# fmt: off\n"
        "#\n"
        f"{toc}\n"
        "import importlib\nimport importlib.abc\nimport importlib.util\nimport sys\n\n"
        f"_PKG = {json.dumps(pkg)}\n\n"
        f"_EMBEDDED = {{\n{entries}}}\n\n"
        f"{LOADER}\n\n"
        "_install(_PKG, _EMBEDDED)\n"
        f"{target.cls} = importlib.import_module(_PKG + {json.dumps('.' + target.module)})"
        f".{target.cls}\n"
    )


def render_all(root: Path) -> dict[str, str]:
    """Return generated filename -> text for every target."""
    sources = collect_sources(root)
    for rel, text in sources.items():
        check_phrases(rel, text)
    for t in TARGETS:
        if f"plugin/{t.module.replace('.', '/')}.py" not in sources:
            raise BundleError(f"{root}: plugin/{t.module} is missing")
    version = read_version(root)
    return {t.filename: render(t, version, sources) for t in TARGETS}


PG_SCHEMA_SOURCE = "plugin/store/postgres_schema.py"
PG_SCHEMA_FILE = "schema_postgres.sql"


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """(name, value) of a module-level `name = value` or `name: T = value`, else (None, None)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _string_constants(path: Path) -> dict[str, str]:
    """The module-level string constants of a Python file, read without importing it."""
    texts: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        name, value = _assignment(node)
        if name and isinstance(value, ast.Constant) and isinstance(value.value, str):
            texts[name] = value.value
    return texts


def postgres_schema(root: Path) -> dict[str, str]:
    """`schema_postgres.sql`: the PostgreSQL steps of `store/postgres_schema.py` (its `STEPS`, in order), for people
    to read beside `schema.sql`. Written from the code so the schema is written once per backend; read statically,
    like the version, because bundling never imports the library. Nothing when the package has no such module."""
    source = root / PG_SCHEMA_SOURCE
    if not source.is_file():
        return {}
    texts = _string_constants(source)
    steps: list[tuple[str, str]] = []
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        target, value = _assignment(node)
        if target != "STEPS" or not isinstance(value, ast.Tuple):
            continue
        for step in value.elts:
            text = None
            name = step.elts[0] if isinstance(step, ast.Tuple) and len(step.elts) == 2 else None
            if isinstance(step, ast.Tuple) and isinstance(name, ast.Constant):
                ref = step.elts[1]
                if isinstance(ref, ast.Name):
                    text = texts.get(ref.id)
                elif isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name):
                    sibling = source.parent / f"{ref.value.id}.py"  # a module beside it: `from . import name`
                    text = _string_constants(sibling).get(ref.attr) if sibling.is_file() else None
            if text is None:
                raise BundleError(
                    f'{source}: each of STEPS must be ("name", TEXT) with TEXT a string above it or in a module'
                    " beside it (module.TEXT)"
                )
            steps.append((str(name.value), text))  # type: ignore[union-attr]  # a Constant when text is set
    if not steps:
        raise BundleError(f"{source}: no STEPS found")
    header = (
        f"-- Generated by `python -m plugin bundle` from {PG_SCHEMA_SOURCE} (its STEPS, in order): do not edit;\n"
        "-- change that module and rerun. A fresh database runs exactly these statements.\n"
    )
    body = "\n".join(f"-- step {name}\n{text.rstrip()}\n" for name, text in steps)
    return {PG_SCHEMA_FILE: header + "\n" + body}


def generated(root: Path) -> dict[str, str]:
    """Every generated file at the repository root: the four Functions and the PostgreSQL schema."""
    return {**render_all(root), **postgres_schema(root)}


def _stale(root: Path, texts: dict[str, str]) -> list[str]:
    """Names whose file is missing or not byte-identical to the fresh text."""
    return [
        name
        for name, text in texts.items()
        if not (root / name).is_file() or (root / name).read_bytes() != text.encode()
    ]


def write_bundles(root: Path) -> list[str]:
    """Write the generated files that changed (keeping mtimes otherwise)."""
    texts = generated(root)
    changed = _stale(root, texts)
    for name in changed:
        (root / name).write_bytes(texts[name].encode("utf-8"))
    return changed


def stale_bundles(root: Path) -> list[str]:
    """Return the generated files that are missing or differ from a fresh bundle."""
    return _stale(root, generated(root))
