"""Which submissions a listing shows, and cursors that stay right while new submissions arrive.

A cursor names the last submission a page showed by its place in the order of arrival; the
next page starts just below it, so submissions stored meanwhile (above it) neither shift nor
repeat what follows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table

from ..errors import InvalidRequest

Item = TypeVar("Item")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CURSOR = re.compile(r"[1-9][0-9]{0,17}")  # below 2**63: what a BIGINT holds


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    next_cursor: str | None


@dataclass(frozen=True)
class SubmissionQuery:
    intake: str | None = None
    decision: str | None = None
    refer: bool | None = None
    refer_urgency: str | None = None
    since: dt.datetime | None = None
    limit: int = DEFAULT_LIMIT
    after_seq: int | None = None
    """From the cursor: only submissions that arrived before this one."""

    def apply(self, statement: Select[Any], table: Table) -> Select[Any]:
        c = table.c
        if self.intake is not None:
            statement = statement.where(c.intake_id == self.intake)
        if self.decision is not None:
            statement = statement.where(c.decision == self.decision)
        if self.refer is not None:
            statement = statement.where(c.refer == self.refer)
        if self.refer_urgency is not None:
            statement = statement.where(c.refer_urgency == self.refer_urgency)
        if self.since is not None:
            statement = statement.where(c.created_at >= self.since)
        if self.after_seq is not None:
            statement = statement.where(c.seq < self.after_seq)
        return statement.order_by(c.seq.desc())

    def page(self, items: list[Item], rows: Sequence[Any], key: str) -> Page[Item]:
        """`rows` holds one more than the page when there is a next one."""
        more = len(rows) > self.limit
        return Page(items, encode_cursor(getattr(rows[self.limit - 1], key)) if more else None)


def encode_cursor(seq: int) -> str:
    return str(seq)


def decode_cursor(cursor: str) -> int:
    """A cursor is a place in the order of arrival: any such number is a valid one."""
    if CURSOR.fullmatch(cursor):
        return int(cursor)
    raise InvalidRequest("The cursor is not one this API gives out; pass next_cursor as it came.",
                         {"cursor": ["Not a valid cursor."]})
