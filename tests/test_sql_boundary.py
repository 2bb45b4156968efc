"""Only the store speaks SQL: no module outside dedup_gui/core/store imports sqlite3 (ruff's TID251 says the same
while editing; this test keeps it true even where ruff's settings are not read)."""

from __future__ import annotations

import ast
from pathlib import Path

import dedup_gui

PACKAGE = Path(dedup_gui.__file__).parent
STORE = PACKAGE / "core" / "store"


def sqlite_imports(source: str) -> list[int]:
    """Line numbers of every `import sqlite3`, `from sqlite3 import ...` and `__import__("sqlite3")`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = getattr(node.func, "id", getattr(node.func, "attr", ""))
            names = [str(node.args[0].value)] if called in ("__import__", "import_module") else []
        else:
            names = []
        if any(name.split(".")[0] == "sqlite3" for name in names):
            lines.append(node.lineno)
    return lines


def test_the_checker_sees_every_way_of_importing_sqlite3() -> None:
    source = "import os, sqlite3\nfrom sqlite3 import connect\nimportlib.import_module('sqlite3')\nimport json\n"
    assert sqlite_imports(source) == [1, 2, 3]


def test_no_module_outside_the_store_imports_sqlite3() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if STORE not in path.parents
        for line in sqlite_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert any(sqlite_imports(p.read_text(encoding="utf-8")) for p in STORE.glob("*.py"))  # the walk finds them
