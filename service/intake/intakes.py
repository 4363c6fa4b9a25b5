"""Intakes: an organization's collection point for submissions; every read and write is scoped to one."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from ..errors import NotFound
from .model import intakes, submissions
from .storage import Store


@dataclass(frozen=True)
class Intake:
    id: str
    organization: str
    title: str
    retention_days: int
    open: bool
    created_at: dt.datetime

    @classmethod
    def of(cls, row: Row[Any]) -> Intake:
        return cls(row.id, row.organization, row.title, row.retention_days, row.open, row.created_at)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def new_intake_id() -> str:
    return f"itk_{secrets.token_hex(12)}"


def not_found(intake_id: str) -> NotFound:
    return NotFound(f"There is no intake {intake_id!r}.")


def create(store: Store, organization: str, title: str, retention_days: int) -> Intake:
    intake = Intake(new_intake_id(), organization, title, retention_days, True, now())
    with store.begin() as connection:
        connection.execute(insert(intakes).values(**intake.__dict__))
    return intake


def list_for(store: Store, organization: str) -> list[Intake]:
    """The organization's intakes, newest first."""
    query = select(intakes).where(intakes.c.organization == organization) \
        .order_by(intakes.c.created_at.desc(), intakes.c.id)
    with store.connect() as connection:
        return [Intake.of(row) for row in connection.execute(query)]


def find(connection: Connection, intake_id: str, organization: str | None) -> Intake:
    """The intake; None as organization finds any (public submissions). NotFound for others' ids too."""
    query = select(intakes).where(intakes.c.id == intake_id)
    if organization is not None:
        query = query.where(intakes.c.organization == organization)
    row = connection.execute(query).first()
    if row is None:
        raise not_found(intake_id)
    return Intake.of(row)


def get(store: Store, intake_id: str, organization: str | None) -> Intake:
    with store.connect() as connection:
        return find(connection, intake_id, organization)


def change(store: Store, intake_id: str, organization: str, changes: Mapping[str, Any]) -> Intake:
    """Apply validated changes (title, retention_days, open); the intake as it is afterwards."""
    with store.begin() as connection:
        if changes:
            connection.execute(update(intakes).where(intakes.c.id == intake_id,
                                                     intakes.c.organization == organization).values(**changes))
        return find(connection, intake_id, organization)


def remove(store: Store, intake_id: str, organization: str) -> int:
    """Delete the intake and its submissions in one transaction; how many submissions went with it."""
    with store.begin() as connection:
        find(connection, intake_id, organization)
        deleted = connection.execute(delete(submissions).where(submissions.c.intake_id == intake_id)).rowcount
        connection.execute(delete(intakes).where(intakes.c.id == intake_id))
    return int(deleted)
