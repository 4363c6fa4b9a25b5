"""Preview partial answers: is the decision settled, what is still possible, what to ask next.

A *completion* of partial answers is a full answer set the API accepts that keeps every given
answer: a question its show_if hides keeps its default, as a form that hides it would send
(and an answer to a hidden question is rejected, so a given answer is always shown).

The answers are cut into cubes of answer classes that get one outcome (`cubes.Partition`):
once for the decision rules alone, whose cubes the real engine decides once per app, and once
for every rule, whose cubes the engine screens when a preview first meets them. A preview
works on the cubes that meet the given answers' classes, never on answers.

`next_questions` lists each unanswered question whose answer alone can change the decision:
two completions that differ only in that question (and in the questions it shows or hides)
get different decisions. They come in questionnaire order, which asks everything that can
rule moving out before any question that asks the athlete to move; a question that decides
whether another listed one is shown comes before it. `ready_to_move` says whether a form may
ask those questions yet: every shown required question before the first of them is answered,
and the answers do not already rule the drill out.

`without_moving` is the other side of that: answers that leave out only required questions
that ask the athlete to move are complete enough to store when they already rule the drill
out and no answer to the questions left out could change the screening.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import EngineError, InvalidAnswers
from ..rulebook import DECISION_GROUP, DECISIONS, RECOMMENDING
from . import answer_space
from .answers import REQUIRED
from .cache import Entry
from .cubes import Cube, Partition, Region
from .screener import Screener
from .visibility import dependents, show_if_conditions


class Previewer:
    """Previews of partial answers, from cubes of answer classes the real engine decided."""

    def __init__(self, screener: Screener, cache_size: int = 4096) -> None:
        self._screener = screener
        self._book = book = screener.rulebook
        self._dependents = dependents(book)
        deciding = dataclasses.replace(book, rules=tuple(r for r in book.rules if r.group == DECISION_GROUP))
        extra = show_if_conditions(book)
        self._deciding = Partition(deciding, answer_space.build(book, deciding.rules, extra=extra))
        self._decisions = [screener.screen(dict(cube.case)).outcome.decision for cube in self._deciding.cubes]
        self._everything = functools.cache(lambda: Partition(book, answer_space.build(book, extra=extra)))
        self._entries: dict[int, Entry] = {}
        moving = [index for index, question in enumerate(book.questions) if question.asks_to_move]
        self._before_moving = book.questions[:moving[0]] if moving else book.questions
        self._moving_required = frozenset(q.id for q in book.questions if q.asks_to_move and q.required)
        self._analyse = functools.lru_cache(maxsize=cache_size)(self._analysis)

    def preview(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The response body of POST /v1/screenings/preview for validated partial answers."""
        region = tuple(self._deciding.region(given))
        possible, next_questions = self._analyse(region, frozenset(given))
        decision = possible[0] if len(possible) == 1 else None
        screening: Entry | None = None
        needs: list[str] = []
        details: list[str] = []
        assumed: dict[str, Any] = {}
        if decision is not None:
            assumed = self._assumed(given)
            screening, needs, details = self._screening(given, assumed, decision)
        shown = self._book.shown(given)
        return {
            "settled": decision is not None,
            "decision": decision,
            "possible_decisions": list(possible),
            "next_questions": list(next_questions),
            "screening": screening.dict() if screening else None,
            "screening_needs": needs,
            "detail_questions": details,
            "assumed_defaults": assumed if screening else {},
            "shown_questions": list(shown),
            "ready_to_move": decision != "not_recommended" and all(
                q.id in given for q in self._before_moving if q.required and q.id in shown),
            "rules_version": self._book.rules_version,
        }

    def screen_intake(self, payload: Any) -> tuple[dict[str, Any], Entry]:
        """The answers to store and their screening: a full answer set, or one `without_moving` takes.

        Anything else is refused with the InvalidAnswers of a full load, naming every missing field.
        """
        try:
            answers = self._screener.load(payload)
        except InvalidAnswers as refused:
            errors = refused.errors or {}
            only_moving = bool(errors) and all(
                name in self._moving_required and messages == [REQUIRED] for name, messages in errors.items())
            settled = self.without_moving(self._screener.load(payload, partial=True)) if only_moving else None
            if settled is None:
                raise
            return settled
        return answers, self._screener.screen(answers)

    def without_moving(self, given: Mapping[str, Any]) -> tuple[dict[str, Any], Entry] | None:
        """Validated partial answers that leave out only required questions asking to move: when
        the preview settles them not_recommended with its screening (no answer to those questions
        changes it), the answers to store (the defaults it assumes filled in) and that screening;
        else None."""
        shown = self._book.shown(given)
        missing = {q.id for q in self._book.questions if q.required and q.id in shown and q.id not in given}
        if not missing or not missing <= self._moving_required:
            return None
        possible, _ = self._analyse(tuple(self._deciding.region(given)), frozenset(given))
        if possible != ("not_recommended",):
            return None
        screening, _, _ = self._screening(given, self._assumed(given), "not_recommended")
        if screening is None:
            return None
        # As a full load gives them: every question but those left out, unanswered ones with their default.
        answers = {q.id: given[q.id] if q.id in given else copy.deepcopy(q.default)
                   for q in self._book.questions if q.id not in missing}
        return answers, screening

    def _assumed(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The defaults of the unanswered optional questions (a copy: they are the rulebook's own lists)."""
        return copy.deepcopy({q.id: q.default for q in self._book.questions if not q.required and q.id not in given})

    def _analysis(self, region: Region, given: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The decisions still possible, and the questions whose answer alone can change it."""
        met = self._deciding.meeting(region)
        decided = {self._decisions[index] for index in met}
        possible = tuple(decision for decision in DECISIONS if decision in decided)
        if len(possible) == 1:
            return possible, ()
        cubes = self._deciding.cubes
        found: set[int] = set()
        for first, second in itertools.combinations(met, 2):
            if self._decisions[first] == self._decisions[second]:
                continue
            found.update(_changed_alone(cubes[first], cubes[second], region, self._dependents))
        ids = [question.id for question in self._book.questions]
        return possible, tuple(ids[index] for index in sorted(found) if ids[index] not in given)

    def _screening(self, given: Mapping[str, Any], assumed: Mapping[str, Any],
                   decision: str) -> tuple[Entry | None, list[str], list[str]]:
        """The screening, if no unanswered required question changes it; else those that do.

        Optional questions take their defaults; for a settled recommendation, the unanswered
        optional questions shown whose answer changes the screening are `detail_questions`.
        """
        everything = self._everything()
        fixed = {**assumed, **given}
        region = everything.region(fixed)
        met = everything.meeting(region)
        bodies = {index: self._entry(everything, index) for index in met}
        for index in met:
            if bodies[index].outcome.decision != decision:
                raise EngineError(f"preview decided {decision} but the engine decides "
                                  f"{bodies[index].outcome.decision} for {everything.cubes[index].case}")
        needs = self._changing(everything, met, bodies, region, given, required=True)
        if not needs and len({entry.body_after_id for entry in bodies.values()}) > 1:
            shown = self._book.shown(fixed)  # only a combination tells them apart: ask them all
            needs = [q.id for q in self._book.questions if q.required and q.id not in given and q.id in shown]
        if needs:
            return None, needs, []
        entry = self._screener.screen(self._completion(everything, met[0], fixed))
        details: list[str] = []
        if decision in RECOMMENDING:
            wider = everything.region(given)
            wide_met = everything.meeting(wider)
            wide_bodies = {index: self._entry(everything, index) for index in wide_met}
            shown = self._book.shown(fixed)
            details = [question for question in self._changing(everything, wide_met, wide_bodies, wider, given,
                                                                required=False) if question in shown]
        return entry, [], details

    def _changing(self, everything: Partition, met: list[int], bodies: Mapping[int, Entry], region: Region,
                  given: Mapping[str, Any], required: bool) -> list[str]:
        """Unanswered questions (required or optional) whose answer alone changes the screening."""
        found: set[int] = set()
        for first, second in itertools.combinations(met, 2):
            if bodies[first].body_after_id != bodies[second].body_after_id:
                found.update(_changed_alone(everything.cubes[first], everything.cubes[second], region,
                                            self._dependents))
        questions = self._book.questions
        return [questions[index].id for index in sorted(found)
                if questions[index].id not in given and questions[index].required == required]

    def _entry(self, partition: Partition, index: int) -> Entry:
        if index not in self._entries:
            self._entries[index] = self._screener.screen(dict(partition.cubes[index].case))
        return self._entries[index]

    def _completion(self, partition: Partition, index: int, fixed: Mapping[str, Any]) -> dict[str, Any]:
        """The answers given (and defaults), the rest from cube `index`: one completion in it."""
        return {**partition.cubes[index].case, **fixed}


def _changed_alone(first: Cube, second: Cube, region: Region, dependents: Sequence[Sequence[int]]) -> list[int]:
    """The questions that alone tell some member of `first` from some member of `second` in `region`."""
    apart = [slot for slot, (a, b, r) in enumerate(zip(first.classes, second.classes, region, strict=True))
             if not (a & b & r)]
    if not apart:
        return []
    lead = apart[0]
    return [lead] if all(slot == lead or slot in dependents[lead] for slot in apart) else []
