"""The package's structure, held against the code: no import cycle among pgsnap's modules,
the pure layers import no database driver, and `import pgsnap` loads almost nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pgsnap

PACKAGE = Path(pgsnap.__file__).parent
# values in, values out: no connection, no psycopg (README: "How the code is organised")
PURE = (
    "pgsnap.model",
    "pgsnap.naming",
    "pgsnap.shape",
    "pgsnap.errors",
    "pgsnap.progress",
    "pgsnap.catalog.values",
    "pgsnap.backup.chunks",
    "pgsnap.restore.plan",
    "pgsnap.restore.options",
    "pgsnap.storage.url",
)
PURE_PACKAGES = ("pgsnap.ddl.", "pgsnap.archive.")  # the archive touches files, not databases


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """What a module imports when it is imported: module-level imports, not those inside
    functions (loaded on use) nor under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {m for m in _top_level_imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_no_import_cycle_among_pgsnap_modules() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        assert state.get(name) != 1, "import cycle: " + " -> ".join([*trail, name])
        state[name] = 1
        for dep in sorted(graph[name]):
            visit(dep, [*trail, name])
        state[name] = 2

    for name in sorted(graph):
        visit(name, [])
    assert graph.get("pgsnap.backup.dump")  # the walk saw imports


def test_pure_layers_import_no_database_driver() -> None:
    graph = _graph()
    pure = [m for m in graph if m in PURE or m.startswith(PURE_PACKAGES)]
    assert "pgsnap.ddl.rename" in pure and "pgsnap.catalog.values" in pure
    for name in pure:
        path = next(p for p in PACKAGE.rglob("*.py") if _module_name(p) == name)
        imported = _top_level_imports(path)
        assert not {m for m in imported if m.split(".")[0] == "psycopg"}, name
        assert "pgsnap.connection" not in imported, name


def test_import_pgsnap_is_light_and_names_load_on_use() -> None:
    code = (
        "import sys, pgsnap\n"
        "heavy = [m for m in ('psycopg', 'pglast', 'zstandard', 'click') if m in sys.modules]\n"
        "print(heavy)\n"
        "pgsnap.load\n"
        "print('psycopg' in sys.modules, sorted(set(pgsnap.__all__) - set(dir(pgsnap))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "True []"]
    for name in pgsnap.__all__:
        assert getattr(pgsnap, name) is not None


def test_catalog_queries_are_ascii() -> None:
    """The server converts a query's text into the database's encoding: a LATIN1 database
    refuses a character it lacks, even in a comment."""
    queries = Path(pgsnap.__file__).parent / "catalog" / "queries"
    for path in sorted(queries.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        assert text.isascii(), f"{path.name} holds a character that is not ASCII"
