"""Submissions: an athlete's answers and the screening they got, stored once per Idempotency-Key."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..errors import IdempotencyKeyReused, NotFound
from . import intakes
from .model import intakes as intakes_table
from .model import submissions
from .query import Page, SubmissionQuery
from .storage import Store

EXPORT_BATCH = 500


@dataclass(frozen=True)
class Athlete:
    name: str
    email: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class NewSubmission:
    """A validated submission with its screening, ready to store."""

    athlete: Athlete
    answers: Mapping[str, Any]
    screening: str
    """The body of POST /v1/screenings, as JSON text."""
    decision: str
    refer_urgency: str | None
    rules_version: str
    idempotency_key: str | None = None
    request_digest: str | None = None


@dataclass(frozen=True)
class Submission:
    id: str
    intake_id: str
    athlete: Athlete
    answers: dict[str, Any]
    screening: str
    decision: str
    refer_urgency: str | None
    rules_version: str
    created_at: dt.datetime
    consent_given_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> Submission:
        return cls(row.id, row.intake_id, Athlete(row.athlete_name, row.athlete_email, row.athlete_external_id),
                   dict(row.answers), row.screening, row.decision, row.refer_urgency, row.rules_version, row.created_at,
                   row.consent_given_at)

    def screening_json(self) -> dict[str, Any]:
        screening: dict[str, Any] = json.loads(self.screening)
        return screening


def new_submission_id() -> str:
    return f"sub_{uuid.uuid4().hex}"


# Built once: a statement built per request costs more than SQLite's commit.
_OPEN = select(intakes_table.c.open).where(intakes_table.c.id == bindparam("intake_id"))
_INSERT = insert(submissions)


def add(store: Store, intake_id: str, new: NewSubmission) -> tuple[Submission, bool]:
    """Store a submission to an open intake; with a key already used, the first one and False instead.

    The insert comes first: a unique key that is already taken fails it, and only then is the
    earlier submission read, so that a new submission costs one short transaction.
    """
    stamp = intakes.now()
    row = {
        "id": new_submission_id(), "intake_id": intake_id, "athlete_name": new.athlete.name,
        "athlete_email": new.athlete.email, "athlete_external_id": new.athlete.external_id,
        "answers": dict(new.answers), "screening": new.screening, "decision": new.decision,
        "refer": new.refer_urgency is not None, "refer_urgency": new.refer_urgency,
        "rules_version": new.rules_version, "created_at": stamp, "consent_given_at": stamp,
        "idempotency_key": new.idempotency_key, "request_digest": new.request_digest,
    }
    try:
        with store.begin() as connection:
            if not connection.execute(_OPEN, {"intake_id": intake_id}).scalar():
                raise intakes.not_found(intake_id)  # a closed intake takes nothing, like an unknown one
            connection.execute(_INSERT, row)
    except IntegrityError:
        earlier = _by_key(store, intake_id, new) if new.idempotency_key is not None else None
        if earlier is None:  # the intake went away in between (its foreign key failed)
            raise intakes.not_found(intake_id) from None
        return earlier, False  # a retry with the same key won the race
    return Submission.of(_Row(row)), True


class _Row:
    """A dict seen through attributes, as a result row is."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


def _by_key(store: Store, intake_id: str, new: NewSubmission) -> Submission | None:
    query = select(submissions).where(submissions.c.intake_id == intake_id,
                                      submissions.c.idempotency_key == new.idempotency_key)
    with store.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    if row.request_digest != new.request_digest:
        raise IdempotencyKeyReused("This Idempotency-Key was first used with another body; "
                                   "send a new key for a new submission.", {"Idempotency-Key": ["Reused."]})
    return Submission.of(row)


def _owned(organization: str) -> Select[Any]:
    return select(submissions).join(intakes_table, intakes_table.c.id == submissions.c.intake_id) \
        .where(intakes_table.c.organization == organization)


def page(store: Store, organization: str, query: SubmissionQuery) -> Page[Submission]:
    """One page of the organization's submissions, newest first."""
    statement = query.apply(_owned(organization), submissions).limit(query.limit + 1)
    with store.connect() as connection:
        if query.intake is not None:
            intakes.find(connection, query.intake, organization)
        rows = connection.execute(statement).all()
    return query.page([Submission.of(row) for row in rows[:query.limit]], rows, "seq")


def get(store: Store, submission_id: str, organization: str) -> Submission:
    with store.connect() as connection:
        row = connection.execute(_owned(organization).where(submissions.c.id == submission_id)).first()
    if row is None:
        raise NotFound(f"There is no submission {submission_id!r}.")
    return Submission.of(row)


def remove(store: Store, submission_id: str, organization: str) -> None:
    with store.begin() as connection:
        owned = _owned(organization).with_only_columns(submissions.c.seq).where(submissions.c.id == submission_id)
        if connection.execute(delete(submissions).where(submissions.c.seq.in_(owned.scalar_subquery()))).rowcount:
            return
    raise NotFound(f"There is no submission {submission_id!r}.")


def export(store: Store, organization: str, intake_id: str | None) -> Iterator[Submission]:
    """Every submission of the organization (or of one of its intakes), oldest first, read in batches."""
    statement = _owned(organization).order_by(submissions.c.seq)
    if intake_id is not None:
        intakes.get(store, intake_id, organization)  # NotFound now, before a response starts
        statement = statement.where(submissions.c.intake_id == intake_id)
    return _stream(store, statement)


def _stream(store: Store, statement: Select[Any]) -> Iterator[Submission]:
    with store.connect() as connection:
        for row in connection.execution_options(yield_per=EXPORT_BATCH).execute(statement):
            yield Submission.of(row)
