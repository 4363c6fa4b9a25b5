"""An exact, bounded cache of the rules' outcomes, keyed by answer class (see answer_space.py).

It belongs to one Screener, hence to one rulebook and one rules_version, and only outcomes
durable-rules produced go in, on a miss. Many classes share one outcome, so outcomes are
numbered once, each with its response body serialized once, and the cache proper is a table
of slots allocated up front: its memory is fixed by construction and does not grow with
traffic (figures in docs/performance.md). When the answer space fits, a class's index is
its slot; when it does not, the table is open-addressed and keeps the first classes met.
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
_SPREAD = 0x9E3779B97F4A7C15  # odd, so nearby classes land in far-apart slots
_PROBES = 8  # slots tried per class in a keyed table before it is served, not stored


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

    def __init__(self, rulebook: Rulebook, classes: int, capacity: int | None = None) -> None:
        """A slot per class when `classes` <= `capacity` (the default), else `capacity` keyed slots."""
        self.rulebook = rulebook
        direct = capacity is None or classes <= capacity
        size = classes if direct else capacity
        assert size is not None and size > 0
        self._numbers = array("H", [_EMPTY]) * size
        # Keyed slots remember which class they hold (4 bytes each unless the space is huge);
        # a slot is free while its outcome number is _EMPTY, whatever class it names.
        self._classes = None if direct else array("I" if classes <= 1 << 32 else "Q", [0]) * size
        self._entries: list[Entry] = []
        self._ids: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()

    @property
    def slots(self) -> int:
        return len(self._numbers)

    def get(self, class_index: int) -> Entry | None:
        slot = self._slot(class_index)
        if slot is None or (self._classes is not None and self._classes[slot] != class_index):
            return None
        number = self._numbers[slot]
        return None if number == _EMPTY else self._entries[number]

    def add(self, class_index: int, outcome: Outcome) -> Entry:
        """Store the outcome durable-rules gave for a class; the entry to answer with."""
        rule_ids = tuple(rule.id for rule in outcome.rules)
        with self._lock:
            number = self._ids.get(rule_ids)
            if number is None:
                if len(self._entries) >= MAX_OUTCOMES:
                    return Entry.of(outcome, self.rulebook)  # served, not stored
                number = len(self._entries)
                # The entry goes in before any slot points at it: readers take no lock.
                self._entries.append(Entry.of(outcome, self.rulebook))
                self._ids[rule_ids] = number
            slot = self._slot(class_index)
            if slot is not None and self._numbers[slot] == _EMPTY:
                self._numbers[slot] = number
                if self._classes is not None:
                    self._classes[slot] = class_index  # last: a reader trusts a slot once it names its class
            return self._entries[number]

    def _slot(self, class_index: int) -> int | None:
        """The slot that holds the class or would take it; None when its run of probes is full."""
        if self._classes is None:
            return class_index
        size = len(self._classes)
        start = (class_index * _SPREAD) % size
        for step in range(_PROBES):
            slot = (start + step) % size
            held = self._classes[slot]
            if held == class_index or self._numbers[slot] == _EMPTY:
                return slot
        return None
