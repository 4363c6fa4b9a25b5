"""Retention: submissions older than their intake's retention period are deleted.

`purge` deletes them; `claim` lets one process among many run the daily purge: the claim
is a conditional UPDATE of one row, which only one transaction can win, on SQLite and
PostgreSQL alike, with no lock held between runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import StorageUnavailable
from .intakes import now
from .model import intakes, maintenance, submissions
from .storage import Store

PURGE = "purge"
PURGE_EVERY = dt.timedelta(days=1)
# How often a process looks whether the daily purge is due; the claim decides who runs it.
CHECK_EVERY_SECONDS = 3600.0

log = logging.getLogger(__name__)


def purge(store: Store, at: dt.datetime | None = None) -> int:
    """Delete every submission past its intake's retention at `at` (now); how many went."""
    at = at or now()
    deleted = 0
    with store.begin() as connection:
        for intake_id, days in connection.execute(select(intakes.c.id, intakes.c.retention_days)).all():
            expired = submissions.c.created_at < at - dt.timedelta(days=days)
            deleted += connection.execute(
                delete(submissions).where(submissions.c.intake_id == intake_id, expired)).rowcount
    return deleted


def claim(store: Store, task: str, every: dt.timedelta, at: dt.datetime | None = None) -> bool:
    """True for the one caller that may run `task` now: its last run is at least `every` ago."""
    at = at or now()
    try:
        with store.begin() as connection:
            won = connection.execute(update(maintenance).where(
                maintenance.c.task == task, maintenance.c.last_run_at <= at - every).values(last_run_at=at)).rowcount
            if won:
                return True
            if connection.execute(select(maintenance.c.task).where(maintenance.c.task == task)).first():
                return False
            connection.execute(insert(maintenance).values(task=task, last_run_at=at))
            return True
    except IntegrityError:  # another process inserted the first row at the same moment
        return False


def run_if_due(store: Store, at: dt.datetime | None = None) -> int | None:
    """The daily purge, when this process wins the claim; None when it did not run."""
    if not claim(store, PURGE, PURGE_EVERY, at):
        return None
    deleted = purge(store, at)
    log.info("retention purge deleted %d expired submission(s)", deleted)
    return deleted


class DailyPurge:
    """A daemon thread per process that runs the purge when it is due; started lazily after a fork."""

    def __init__(self, store: Store, check_every: float = CHECK_EVERY_SECONDS) -> None:
        self.store = store
        self.check_every = check_every
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def ensure_running(self) -> None:
        """Start this process's thread once (cheap when it runs already)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._stop = threading.Event()
                threading.Thread(target=self._loop, name="retention-purge", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.check_every):
            try:
                run_if_due(self.store)
            except StorageUnavailable:
                pass  # tried again at the next check
            except Exception:
                log.exception("retention purge failed")
