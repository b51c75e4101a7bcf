"""One name per idea: no two modules of app/ define a public function or class under the same name (read from the source)."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).parent.parent / "app"
# Pages and commands: an endpoint lives in its blueprint's namespace (authoring.course, progress.course)
# and often shares its name with the service it calls; that is one idea seen from two layers.
ENTRY_POINTS = {"views", "admin_views", "audit_views", "cli", "main"}
# The same role in several modules: Flask's extension hook, and the receivers of one signal per domain.
SHARED_ROLES = {"init_app", "on_attempt_started", "on_attempt_graded"}


def shared_names(app: Path = APP) -> dict[str, list[str]]:
    """Public top-level functions and classes defined in more than one non-entry module, with their files."""
    places: dict[str, list[str]] = defaultdict(list)
    for path in sorted(app.rglob("*.py")):
        if path.stem in ENTRY_POINTS:
            continue
        for node in ast.parse(path.read_text("utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                places[node.name].append(str(path.relative_to(app)))
    return {name: files for name, files in places.items() if len(files) > 1 and name not in SHARED_ROLES}


def test_no_two_modules_define_the_same_public_name():
    assert shared_names() == {}


def test_the_check_sees_a_name_used_twice_but_not_by_views(tmp_path):
    for domain in ("catalog", "authoring"):
        (tmp_path / domain).mkdir()
        (tmp_path / domain / "services.py").write_text("class CourseData:\n    pass\n\ndef course():\n    pass\n")
        (tmp_path / domain / "views.py").write_text("def course():\n    pass\n")
    assert shared_names(tmp_path) == {"CourseData": ["authoring/services.py", "catalog/services.py"],
                                      "course": ["authoring/services.py", "catalog/services.py"]}
