"""Alembic environment: runs on the connection hip-screen (or a test) hands over, or on DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from service.intake.model import metadata
from service.intake.storage import Store

config = context.config


def run(connection: Connection) -> None:
    # render_as_batch: SQLite alters tables by copying them, which Alembic's batch mode does.
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with Store(config.get_main_option("sqlalchemy.url") or None).engine.begin() as own:
        run(own)
