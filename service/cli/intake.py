"""hip-screen db|purge|intakes|submissions: the intake store for operators without curl."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import click

from .. import rulebook
from ..errors import ServiceError
from ..intake import export, intakes, migrate, retention, submissions
from ..intake.storage import Store

# What `hip-screen` reads, in the app's order: SERVICE_DATABASE_URL, then DATABASE_URL.
URL_VARIABLES = ("SERVICE_DATABASE_URL", "DATABASE_URL")


@contextlib.contextmanager
def _store(url: str | None) -> Iterator[Store]:
    """The store for one command; its connections are closed when the command ends."""
    store = Store(url or next((os.environ[name] for name in URL_VARIABLES if os.environ.get(name)), None))
    try:
        yield store
    finally:
        store.engine.dispose()


def _database_option(command: Any) -> Any:
    return click.option("--database-url", metavar="URL", help="The database (default: SERVICE_DATABASE_URL, "
                        "DATABASE_URL, else var/intake.sqlite3).")(command)


def _run(action: Any) -> Any:
    try:
        return action()
    except ServiceError as error:
        raise click.ClickException(error.detail) from error


@click.group("db")
def db() -> None:
    """The intake database's schema."""


@db.command("upgrade")
@_database_option
@click.option("--revision", default="head", show_default=True, help="The migration to bring the database to.")
def db_upgrade(database_url: str | None, revision: str) -> None:
    """Create or migrate the intake tables (run by `make run` before serving)."""
    with _store(database_url) as store:
        _run(lambda: migrate.upgrade(store, revision))
        click.echo(f"{store.engine.url.render_as_string()}: at migration {_run(lambda: migrate.current(store))}.")


@click.command("purge")
@_database_option
def purge(database_url: str | None) -> None:
    """Delete the submissions kept longer than their intake's retention period."""
    with _store(database_url) as store:
        deleted = _run(lambda: retention.purge(store))
    click.echo(f"Deleted {deleted} expired submission(s).")


@click.group("intakes")
def intakes_group() -> None:
    """An organization's intakes."""


@intakes_group.command("create")
@_database_option
@click.option("--organization", required=True, help="The API key name that will own the intake.")
@click.option("--title", required=True)
@click.option("--retention-days", type=click.IntRange(1, 3650), required=True)
def intakes_create(database_url: str | None, organization: str, title: str, retention_days: int) -> None:
    """Open an intake; prints its id."""
    with _store(database_url) as store:
        intake = _run(lambda: intakes.create(store, organization, title.strip(), retention_days))
    click.echo(intake.id)


@intakes_group.command("list")
@_database_option
@click.option("--organization", required=True)
def intakes_list(database_url: str | None, organization: str) -> None:
    """One line per intake: id, open or closed, retention, title."""
    with _store(database_url) as store:
        listed = _run(lambda: intakes.list_for(store, organization))
    for intake in listed:
        state = "open" if intake.open else "closed"
        click.echo(f"{intake.id}\t{state}\t{intake.retention_days}d\t{intake.title}")


@click.group("submissions")
def submissions_group() -> None:
    """Stored submissions."""


@submissions_group.command("export")
@_database_option
@click.option("--organization", required=True)
@click.option("--intake", "intake_id", help="Only this intake's submissions.")
@click.option("--format", "kind", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-")
def submissions_export(database_url: str | None, organization: str, intake_id: str | None, kind: str,
                       output: Any) -> None:
    """Every submission as CSV or JSON Lines, as GET /v1/submissions/export gives them."""
    questions = [question.id for question in rulebook.load().questions]
    written = 0

    def counted(rows: Iterator[submissions.Submission]) -> Iterator[submissions.Submission]:
        nonlocal written
        for row in rows:
            written += 1
            yield row

    def write(store: Store) -> None:
        rows = counted(submissions.export(store, organization, intake_id))
        for line in export.csv_lines(rows, questions) if kind == "csv" else export.jsonl_lines(rows):
            output.write(line)

    with _store(database_url) as store:
        _run(lambda: write(store))
    click.echo(f"Exported {written} submission(s).", err=True)


COMMANDS = (db, purge, intakes_group, submissions_group)
