"""Settings read from the environment."""
import os
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-change-me"
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot be used as it stands."""


def default_database_url() -> str:
    """Return the SQLite file under instance/ used when DATABASE_URL is not set."""
    return f"sqlite:///{ROOT / 'instance' / 'kelaskim.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).lower() in ("1", "true", "yes")


def engine_options(database_url: str) -> dict:
    """Connection pool settings for a server database (PostgreSQL); SQLite opens a file and needs none."""
    if database_url.startswith("sqlite"):
        return {}
    return {
        # A sync worker uses one connection at a time; the spare ones serve threaded workers and streamed exports.
        "pool_size": int(os.environ.get("DB_POOL_SIZE", "5") or 5),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "5") or 5),
        # Replace connections older than this (seconds), before a firewall or the server drops them as idle.
        "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE", "1800") or 1800),
        # Off by default: a pre-ping is one more round trip (SELECT 1) on every request. After the database
        # restarts, the first request of each worker fails and the pool is renewed; DB_POOL_PRE_PING=1 avoids that.
        "pool_pre_ping": _flag("DB_POOL_PRE_PING"),
    }


def load_config() -> dict:
    """Build the Flask config from environment variables."""
    database_url = normalise_database_url(os.environ.get("DATABASE_URL") or default_database_url())
    production = os.environ.get("FLASK_DEBUG", "") not in ("1", "true")
    # One Redis shared by every instance: login limits and the dashboard cache, unless set apart below.
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Makassar",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "app" / "translations"),
        "LANGUAGES": ("id", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production and os.environ.get("SESSION_COOKIE_SECURE", "1") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production and os.environ.get("SESSION_COOKIE_SECURE", "1") == "1",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        # Flask-Caching: SimpleCache is per worker; with REDIS_URL (or CACHE_TYPE=RedisCache) one cache is shared.
        "CACHE_TYPE": os.environ.get("CACHE_TYPE") or ("RedisCache" if redis_url else "SimpleCache"),
        "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL") or redis_url or None,
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "kelaskim:"),
        # The dashboard figures are at most this old; the page says when they were computed.
        "DASHBOARD_CACHE_SECONDS": int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60") or 60),
        # The site's public address: every link that leaves the site is built on it, never on the request's
        # Host, and only its host name (with TRUSTED_HOSTS, comma-separated) is answered. Required in production.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "TRUSTED_HOSTS": [name.strip() for name in os.environ.get("TRUSTED_HOSTS", "").split(",") if name.strip()],
        # Behind nginx, the number of proxies whose X-Forwarded-For is trusted for the client address.
        "TRUSTED_PROXY_HOPS": int(os.environ.get("TRUSTED_PROXY_HOPS", "0") or 0),
        "WTF_CSRF_TIME_LIMIT": None,
        # Outgoing email (Flask-Mail). Without MAIL_SERVER nothing is sent and the log says for whom it was.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25") or 25),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0").lower() in ("1", "true", "yes"),
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "0").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Kelas KIM <no-reply@localhost>"),
        # How long the links sent by email or WhatsApp stay valid.
        "RESET_LINK_MINUTES": int(os.environ.get("RESET_LINK_MINUTES", "60") or 60),
        "ACTIVATION_LINK_DAYS": int(os.environ.get("ACTIVATION_LINK_DAYS", "14") or 14),
        "EMAIL_CHANGE_LINK_HOURS": int(os.environ.get("EMAIL_CHANGE_LINK_HOURS", "24") or 24),
        # xAPI: statements wait in the database outbox and `flask xapi send` posts them to this LRS
        # (its statements resource is XAPI_ENDPOINT/statements). Empty: they wait and can be exported.
        "XAPI_ENDPOINT": os.environ.get("XAPI_ENDPOINT", ""),
        "XAPI_USERNAME": os.environ.get("XAPI_USERNAME", ""),
        "XAPI_PASSWORD": os.environ.get("XAPI_PASSWORD", ""),
        "XAPI_BATCH_SIZE": int(os.environ.get("XAPI_BATCH_SIZE", "50") or 50),
        "XAPI_TIMEOUT_SECONDS": float(os.environ.get("XAPI_TIMEOUT_SECONDS", "10") or 10),
        # After a failed send: wait XAPI_RETRY_SECONDS, doubled after each failure, at most the maximum.
        "XAPI_RETRY_SECONDS": int(os.environ.get("XAPI_RETRY_SECONDS", "60") or 60),
        "XAPI_RETRY_MAX_SECONDS": int(os.environ.get("XAPI_RETRY_MAX_SECONDS", "21600") or 21600),
        # Identify trainees by email (mbox) and name instead of an account number on this site.
        "XAPI_ACTOR_EMAIL": os.environ.get("XAPI_ACTOR_EMAIL", "0").lower() in ("1", "true", "yes"),
        # werkzeug's default; the test suite sets a cheap method, since scrypt per account dominated its run time.
        "PASSWORD_HASH_METHOD": "scrypt",
    }


def check_secret_key(config: dict, debug: bool) -> None:
    """Refuse the default secret key outside debug and testing."""
    if config.get("TESTING") or debug:
        return
    if config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
        raise ConfigError(
            "SECRET_KEY belum diatur. Buat kunci acak, misalnya dengan\n"
            "  export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
            "lalu jalankan aplikasi lagi. (SECRET_KEY is not set: set it as above.)"
        )


def check_public_address(config: dict, debug: bool) -> None:
    """Require PUBLIC_BASE_URL outside debug and testing; answer only its host (and TRUSTED_HOSTS) when it is set.

    Without it, links in certificates, emails and reminders would carry whatever Host a request named.
    """
    base = (config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not base:
        if not (config.get("TESTING") or debug):
            raise ConfigError(
                "PUBLIC_BASE_URL belum diatur. Isi dengan alamat publik situs, misalnya\n"
                "  export PUBLIC_BASE_URL=https://kelaskim.kaltimprov.go.id\n"
                "Tautan sertifikat, email, dan pesan WhatsApp dibuat dari alamat itu. "
                "(PUBLIC_BASE_URL is not set: set it as above.)"
            )
        config["TRUSTED_HOSTS"] = config.get("TRUSTED_HOSTS") or None  # debug and tests: any host
        return
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ConfigError(
            f"PUBLIC_BASE_URL tidak dapat dipakai: {base!r}. Tulis skema dan nama host saja, misalnya "
            "https://kelaskim.kaltimprov.go.id (PUBLIC_BASE_URL must be a scheme and host only)."
        )
    config["PUBLIC_BASE_URL"] = base
    config["TRUSTED_HOSTS"] = list(dict.fromkeys([parts.hostname, *(config.get("TRUSTED_HOSTS") or [])]))
