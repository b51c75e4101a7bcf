"""create_app shows what the app is made of: no other module registers a blueprint, a CLI command, a template helper
or a session event listener."""
from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).parent.parent / "app"
WIRING = re.compile(r"\.(register_blueprint|add_command|app_template_filter|app_template_global|app_context_processor"
                    r"|add_template_filter|add_template_global)\(|jinja_env\.(filters|globals)\["
                    # app/extensions.py's engine listeners (SQLite pragmas, query counts) are the database's own set-up.
                    r"|event\.listen\(|listens_for\((?!Engine\b)")


def hidden_wiring(app: Path = APP) -> list[str]:
    """Every line outside app/__init__.py that wires something into the app, as 'file:line'."""
    return [f"{path.relative_to(app)}:{number}"
            for path in sorted(app.rglob("*.py")) if path != app / "__init__.py"
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1) if WIRING.search(line)]


def test_only_create_app_wires_the_app():
    assert hidden_wiring() == []


def test_the_check_sees_a_filter_registered_from_a_blueprint(tmp_path):
    (tmp_path / "__init__.py").write_text('app.add_template_filter(size, "ukuran")\n')
    (tmp_path / "views.py").write_text('@bp.app_template_filter("ukuran")\ndef size(n):\n    return n\n')
    (tmp_path / "cli.py").write_text('def init_app(app):\n    app.cli.add_command(group)\n')
    (tmp_path / "services.py").write_text('@event.listens_for(Session, "before_flush")\ndef keep(session, *args):\n'
                                          '    pass\n')
    (tmp_path / "extensions.py").write_text('@event.listens_for(Engine, "connect")\ndef pragmas(connection, record):\n'
                                            '    pass\n')
    assert hidden_wiring(tmp_path) == ["cli.py:2", "services.py:1", "views.py:1"]
