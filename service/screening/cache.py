"""An exact, bounded cache of the rules' outcomes, keyed by answer class (see answer_space.py).

It belongs to one Screener, hence to one rulebook and one rules_version, and only outcomes
durable-rules produced go in, on a miss. Many classes share one outcome, so outcomes are
numbered once, each with its response body serialized once, and the cache proper is a table
of two bytes per class, allocated up front: its memory is fixed by construction and does
not grow with traffic (figures in docs/performance.md).
"""

from __future__ import annotations

import json
import threading
import uuid
from array import array
from dataclasses import dataclass
from typing import Any

from ..rulebook import Rulebook
from .outcome import Outcome

_EMPTY = 0xFFFF  # the largest two-byte number marks a class not seen yet
MAX_OUTCOMES = _EMPTY


@dataclass(frozen=True)
class Entry:
    outcome: Outcome
    body_after_id: str
    """The response body as JSON, from just after its `id` member to the end."""

    @classmethod
    def of(cls, outcome: Outcome, rulebook: Rulebook) -> Entry:
        # Serialized like Flask's compact JSON responses: ASCII, no spaces, a newline at the end.
        return cls(outcome, json.dumps(outcome.to_json(rulebook), separators=(",", ":"))[1:] + "\n")

    def json(self, screening_id: str | None = None) -> str:
        """The whole response body, with the screening id (a new one by default) spliced in front."""
        return f'{{"id":"{screening_id or new_screening_id()}",{self.body_after_id}'

    def dict(self) -> dict[str, Any]:
        """The whole response body as a fresh dict, with a new screening id."""
        body: dict[str, Any] = json.loads(self.json())
        return body


def new_screening_id() -> str:
    return f"scr_{uuid.uuid4().hex}"


class OutcomeCache:
    """Class index -> outcome. Reads take no lock; a slot, once filled, never changes."""

    def __init__(self, rulebook: Rulebook, classes: int) -> None:
        self.rulebook = rulebook
        self._slots = array("H", [_EMPTY]) * classes
        self._entries: list[Entry] = []
        self._numbers: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()

    def get(self, class_index: int) -> Entry | None:
        number = self._slots[class_index]
        return None if number == _EMPTY else self._entries[number]

    def add(self, class_index: int, outcome: Outcome) -> Entry:
        """Store the outcome durable-rules gave for a class; the entry to answer with."""
        rule_ids = tuple(rule.id for rule in outcome.rules)
        with self._lock:
            number = self._numbers.get(rule_ids)
            if number is None:
                if len(self._entries) >= MAX_OUTCOMES:
                    return Entry.of(outcome, self.rulebook)  # served, not stored
                number = len(self._entries)
                # The entry goes in before any slot points at it: readers take no lock.
                self._entries.append(Entry.of(outcome, self.rulebook))
                self._numbers[rule_ids] = number
            if self._slots[class_index] == _EMPTY:
                self._slots[class_index] = number
            return self._entries[number]
