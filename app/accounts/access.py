"""Role checks for views: anonymous users go to login, the wrong role gets 403."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Allow a view only to logged-in users holding one of the roles."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ensure(allowed: bool) -> None:
    """Abort with 403 unless an object-level check passed."""
    if not allowed:
        abort(403)
