"""gunicorn settings (`gunicorn --config python:app.gunicorn_conf ...`): checks made once when the server starts."""
from app.config import load_config
from app.ratelimit import shared_store_warning


def on_starting(server) -> None:
    """Warn when several workers would each count failed logins in their own memory (a limit times the workers)."""
    warning = shared_store_warning(server.cfg.workers, load_config()["RATELIMIT_STORAGE_URI"])
    if warning:
        server.log.warning(warning)
