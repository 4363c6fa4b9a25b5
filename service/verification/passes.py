"""Two passes of every case through durable-rules, in worker processes with engines of their own.

The first pass also works out, per case, the invariant facts and the rules whose conditions
hold; the second screens every case again, in reverse order and split differently, so a
result that depends on what was screened before shows up as a difference.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..rulebook import Rulebook, conditions
from ..screening import outcome
from ..screening.screener import Screener
from .facts import FACTS

OutcomeKey = tuple[str, bool, int]
"""(decision, refer, mask of the rules that took effect): all a response depends on."""


@dataclass(frozen=True)
class Job:
    rulebook: Rulebook
    cases: Sequence[Mapping[str, Any]]
    indices: Sequence[int]
    cross_check: bool
    """Also work out the facts, and the rules whose conditions hold, for each case."""


@dataclass
class Batch:
    """What one worker saw, index by index (`masks` are over `rulebook.rules`)."""

    indices: Sequence[int]
    matched: list[int]
    outcomes: list[OutcomeKey]
    facts: list[int]
    bodies: dict[OutcomeKey, dict[str, Any]]
    disagreements: list[int]
    """Cases where durable-rules matched other rules than those whose conditions hold."""


@dataclass
class Run:
    """Both passes over the cases, merged: index -> what the engine did."""

    matched: list[int]
    outcomes: list[OutcomeKey]
    facts: list[int]
    bodies: dict[OutcomeKey, dict[str, Any]]
    disagreements: list[int]
    nondeterministic: list[int]
    seconds: float
    screenings: int

    def body(self, index: int) -> dict[str, Any]:
        """The response body (less `id`) of the case at `index`."""
        return self.bodies[self.outcomes[index]]


def _mask(ids: Iterable[str], position: Mapping[str, int]) -> int:
    return sum(1 << position[rule_id] for rule_id in ids)


def screen_cases(job: Job) -> Batch:
    """Screen the job's cases with a Screener of its own (runs in a worker process)."""
    book = job.rulebook
    screener = Screener(book)
    position = {rule.id: index for index, rule in enumerate(book.rules)}
    facts = [conditions.parse(raw, book.fields, {}) for raw in FACTS.values()]
    batch = Batch(job.indices, [], [], [], {}, [])
    for index in job.indices:
        case = job.cases[index]
        matched = screener.matching_rules(case)
        result = outcome.resolve(book, matched)
        key = (result.decision, result.refer, _mask((rule.id for rule in result.rules), position))
        if key not in batch.bodies:
            batch.bodies[key] = result.to_json(book)
        batch.matched.append(_mask(matched, position))
        batch.outcomes.append(key)
        if job.cross_check:
            if matched != {rule.id for rule in book.rules if conditions.holds(rule.when, case)}:
                batch.disagreements.append(index)
            batch.facts.append(sum(1 << bit for bit, fact in enumerate(facts) if conditions.holds(fact, case)))
    return batch


def screen_twice(rulebook: Rulebook, cases: Sequence[Mapping[str, Any]], processes: int) -> Run:
    """Screen every case twice, each time with fresh engines; the second pass in reverse order."""
    total = len(cases)
    slices = [range(start, total, processes) for start in range(processes)]
    first = [Job(rulebook, cases, part, cross_check=True) for part in slices]
    second = [Job(rulebook, cases, list(reversed(slices[(k + 1) % processes])), cross_check=False)
              for k in range(processes)]
    started = time.perf_counter()
    if processes == 1:
        batches = [screen_cases(job) for job in first + second]
    else:
        # fork shares loaded modules; each worker still builds its own engine, so no engine state crosses it.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(processes) as pool:
            batches = pool.map(screen_cases, first + second)
    seconds = time.perf_counter() - started
    return _merge(batches[:processes], batches[processes:], total, seconds)


def _merge(first: list[Batch], second: list[Batch], total: int, seconds: float) -> Run:
    """The first pass's results by index; any case the second pass saw differently is nondeterministic."""
    merged = Run([0] * total, [("", False, 0)] * total, [0] * total, {}, [], [], seconds, 2 * total)
    for batch in first:
        for slot, index in enumerate(batch.indices):
            merged.matched[index] = batch.matched[slot]
            merged.outcomes[index] = batch.outcomes[slot]
            merged.facts[index] = batch.facts[slot]
    for batch in first + second:
        merged.disagreements.extend(batch.disagreements)
        for key, body in batch.bodies.items():
            if merged.bodies.setdefault(key, body) != body:
                merged.nondeterministic.extend(i for i, k in enumerate(merged.outcomes) if k == key)
    for batch in second:
        for slot, index in enumerate(batch.indices):
            if (batch.matched[slot], batch.outcomes[slot]) != (merged.matched[index], merged.outcomes[index]):
                merged.nondeterministic.append(index)
    merged.disagreements = sorted(set(merged.disagreements))
    merged.nondeterministic = sorted(set(merged.nondeterministic))
    return merged
