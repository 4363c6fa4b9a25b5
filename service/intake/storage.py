"""The database behind intakes: one SQLAlchemy engine per process, migrations, and outages as one error.

SQLite (the default, a file under var/) runs in WAL mode so that readers never wait for the
writer and several worker processes can share the file; PostgreSQL takes a
postgresql+psycopg:// URL. A database that cannot be reached makes storage calls raise
StorageUnavailable (503 with Retry-After); the pool pings connections before use, so the
service recovers by itself once the database is back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from .. import shipped
from ..errors import ConfigError, StorageUnavailable

RETRY_AFTER_SECONDS = 5
# How long a writer waits for SQLite's lock before the request gets a 503 instead.
SQLITE_BUSY_MS = 5000
# A PostgreSQL that does not answer must not hold a request (or /readyz) for long.
PG_CONNECT_TIMEOUT_S = 3

log = logging.getLogger(__name__)


def default_url() -> str:
    """var/ of the source checkout; for an installed copy, var/ of the directory it is started from."""
    base = shipped.CHECKOUT if (shipped.CHECKOUT / "pyproject.toml").is_file() else Path.cwd()
    return f"sqlite:///{base / 'var' / 'intake.sqlite3'}"


class Store:
    """An engine for one database URL; `connect`/`begin` turn an outage into StorageUnavailable."""

    def __init__(self, url: str | None = None, echo: bool = False) -> None:
        self.url = url or default_url()
        try:
            parsed = make_url(self.url)
        except ArgumentError as error:
            raise ConfigError(f"DATABASE_URL: not a database URL ({error}).") from None
        self.dialect = parsed.get_backend_name()
        options: dict[str, Any] = {"pool_pre_ping": True, "echo": echo}
        if self.dialect == "sqlite":
            _create_parent(parsed.database)
        elif self.dialect == "postgresql":
            options["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        try:
            self.engine: Engine = create_engine(parsed, **options)
        except (NoSuchModuleError, ImportError) as error:
            raise ConfigError(f"DATABASE_URL: cannot use {parsed.render_as_string()}: {error}") from None
        # A forked worker must not use the parent's connections (gunicorn preloads the app).
        os.register_at_fork(after_in_child=_disposer(self))
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A writing transaction, committed at the end unless an exception leaves the block."""
        with unavailable_as_503(), self.engine.connect() as connection:
            connection = connection.execution_options(writes=True)
            with connection.begin():
                yield connection

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        with unavailable_as_503(), self.engine.connect() as connection:
            yield connection

    def ping(self) -> bool:
        """Whether the database answers now."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def dispose(self) -> None:
        """Drop pooled connections: a forked worker must open its own."""
        self.engine.dispose(close=False)


@contextlib.contextmanager
def unavailable_as_503() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        if not _is_outage(error):
            raise
        log.warning("database unavailable: %s", type(error.orig).__name__)
        raise StorageUnavailable(
            f"The submission store cannot be reached now; retry in {RETRY_AFTER_SECONDS} s.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from error


def _is_outage(error: DBAPIError) -> bool:
    # OperationalError: connection refused or lost, a SQLite lock held too long; InterfaceError: a closed connection.
    name = type(error).__name__
    return error.connection_invalidated or name in {"OperationalError", "InterfaceError"}


def _disposer(store: Store) -> Callable[[], None]:
    """Dispose of the store's pool in a child process, without keeping the store alive."""
    ref = weakref.ref(store)

    def dispose() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose()

    return dispose


def _create_parent(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN is deferred: _sqlite_begin says which
    cursor = dbapi_connection.cursor()
    # WAL: readers and one writer at a time across processes; NORMAL sync loses nothing on a crash of ours.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when
    # another process wrote in between; taking the write lock first makes it wait its turn instead.
    immediate = connection.get_execution_options().get("writes", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
