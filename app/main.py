"""The landing page, each role's home, and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user

from app.accounts.models import Role, User

bp = Blueprint("main", __name__)

# Where each role lands after login.
ROLE_HOME = {
    Role.TRAINEE: "learning.my_courses",
    Role.TRAINER: "authoring.index",
    Role.COORDINATOR: "reports.dashboard",
    Role.ADMIN: "admin.users",
}


def home_url(user: User) -> str:
    """Return the URL of the page a user of this role starts from."""
    return url_for(ROLE_HOME[user.role])


def safe_next(target: str | None) -> str | None:
    """Return target when it is a path on this site, else None (no open redirect)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    if any(char < " " or char == "\x7f" for char in target):  # a line break would end up in the Location header
        return None
    return target


@bp.get("/")
def index():
    """The landing page: what Kelas KIM is, and a way in."""
    if current_user.is_authenticated and request.args.get("home") != "0":
        return redirect(home_url(current_user))
    return render_template("main/index.html")


@bp.get("/bahasa/<code>")
def set_language(code: str):
    """Switch the interface language for this browser session."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))


# The menu of each role: (endpoint, label).
NAV = {
    Role.TRAINEE: (("learning.catalog", _l("Katalog")), ("learning.my_courses", _l("Kursus saya"))),
    Role.TRAINER: (("authoring.index", _l("Kursus yang saya kelola")), ("learning.catalog", _l("Katalog"))),
    Role.COORDINATOR: (("reports.dashboard", _l("Dasbor")), ("reports.roster", _l("Daftar peserta")), ("reports.stalled", _l("Perlu diingatkan"))),
    Role.ADMIN: (("admin.users", _l("Akun")), ("audit.index", _l("Log audit")), ("reports.dashboard", _l("Dasbor")),
                 ("authoring.index", _l("Kelola kursus")), ("learning.catalog", _l("Katalog"))),
}


def nav_links() -> list[dict]:
    """The current user's menu, marking the page being shown."""
    return [{"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint}
            for endpoint, label in NAV.get(current_user.role, ())]


def current_locale() -> str:
    """The page's language code ("id" or "en"), for templates."""
    return str(get_locale())
