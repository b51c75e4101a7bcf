"""The layers of app/ point one way: a lower domain never imports a higher one (read from the source)."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).parent.parent / "app"
# Higher numbers sit above lower ones. catalog and quizzes are one level: a quiz belongs to a module,
# and course files carry quizzes. xapi sits above progress: it records the events that progress and the
# quiz engine send. Views and CLI commands are entry points, free to call any service.
LEVEL = {"accounts": 1, "catalog": 2, "quizzes": 2, "progress": 3, "reports": 4, "authoring": 4, "xapi": 4}
ENTRY_POINTS = {"views", "admin_views", "audit_views", "cli"}


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Absolute module names imported anywhere in the tree, except under `if TYPE_CHECKING:` (types only)."""
    names = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            names += [name for child in node.orelse for name in _runtime_imports(child)]
            continue
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        names += _runtime_imports(node)
    return names


def upward_imports(app: Path = APP) -> list[str]:
    """Every runtime import of a higher domain by a non-entry module of a lower one, as 'file -> domain'."""
    found = []
    for domain, level in LEVEL.items():
        for path in sorted((app / domain).rglob("*.py")):
            if path.stem in ENTRY_POINTS:
                continue
            imported = {name.split(".")[1] for name in _runtime_imports(ast.parse(path.read_text("utf-8")))
                        if name.startswith("app.") and name.count(".") >= 1}
            found += [f"{path.relative_to(app)} -> {other}" for other in sorted(imported) if LEVEL.get(other, 0) > level]
    return found


def test_no_lower_domain_imports_a_higher_one():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import_and_allows_entry_points_and_types(tmp_path):
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "services.py").write_text("def grade():\n    from app.progress import services\n")
    (quizzes / "views.py").write_text("from app.progress import services\n")
    (quizzes / "models.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                       "    from app.reports.models import Row\n")
    assert upward_imports(tmp_path) == ["quizzes/services.py -> progress"]
