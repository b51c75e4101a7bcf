"""Flask extensions, created unbound and initialised in the app factory."""
from datetime import UTC, datetime

from flask_babel import Babel
from flask_caching import Cache
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import MetaData, event, types
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# A naming convention keeps constraint names stable across SQLite and PostgreSQL migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store aware datetimes converted to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite has no time zones: keep naive UTC there so comparisons stay textual-safe.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Return aware UTC datetimes whatever the backend gave."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
cache = Cache()
mail = Mail()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on WAL, foreign keys and WAL-safe syncing for every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last commits, and
    # each commit skips an fsync (about 0.4 ms here). PostgreSQL is the production database.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# PostgreSQL: psycopg prepares a statement on a connection once it has run it five times, so that
# the server parses and plans it once instead of on every request; but every ROLLBACK throws its
# prepared statements away. Every request that only read ends with a rollback, so nothing was ever
# kept. A transaction that wrote nothing is ended with COMMIT instead (the same outcome for a read),
# and the prepared statements stay; one that wrote, or failed, is still rolled back.
_WROTE = "kelaskim_wrote"


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    """Mark the connection's transaction as writing when a statement other than a SELECT runs in it."""
    if not statement.lstrip()[:6].upper() == "SELECT":
        conn.info[_WROTE] = True


@event.listens_for(Engine, "commit")
def _forget_writes(conn):
    conn.info.pop(_WROTE, None)


@event.listens_for(Engine, "rollback")
def _commit_read_only(conn):
    """End a PostgreSQL transaction that only read with COMMIT, so psycopg keeps its prepared statements."""
    if conn.invalidated or conn.closed:
        return  # a lost connection: nothing to keep, and its pool entry is replaced
    wrote = conn.info.pop(_WROTE, False)
    if wrote or conn.dialect.name != "postgresql":
        return
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is None or dbapi_connection.info.transaction_status != TransactionStatus.INTRANS:
        return
    try:
        dbapi_connection.commit()  # the rollback that follows finds no transaction and keeps the statements
    except psycopg.Error:
        pass  # a broken connection: the rollback that follows deals with it as it always did
