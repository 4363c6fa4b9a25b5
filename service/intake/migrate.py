"""Alembic migrations of the intake tables (migrations/ at the top of the repository, inside the wheel)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .. import shipped
from .storage import Store, unavailable_as_503


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(shipped.path("service.intake", "migrations")))
    config.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    return config


def upgrade(store: Store, revision: str = "head") -> None:
    """Bring the database to `revision`; the tables are created on the first run."""
    config = alembic_config(store)
    with unavailable_as_503(), store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current(store: Store) -> str | None:
    with unavailable_as_503(), store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head(store: Store) -> str | None:
    return ScriptDirectory.from_config(alembic_config(store)).get_current_head()
