"""Preview partial answers: is the decision settled, what is still possible, what to ask next.

A *completion* of partial answers is a full answer set that keeps every given answer and
answers each other question in any valid way, except that a conditional question (`show_if`)
the completion does not show keeps its default, as a form that hides it would send. A given
answer always counts as given, shown or not, exactly as POST /v1/screenings takes it.

The decision depends only on the `decision` group's rules (`outcome.resolve` takes the first
of them that matched), and those rules cannot tell apart the answers of one class of
`answer_space.build(rulebook, decision rules)`. So the real engine decides one representative
per class once per app, and a preview enumerates classes, never answers. The space also tells
apart the values that `show_if` names, so whether a question is shown is known per class.

`next_questions` lists each unanswered question whose answer alone can change the decision:
some completion, given another answer to the question (questions that answer hides fall back
to their default, questions it reveals may take any answer), is a completion with another
decision. Whenever the decision is open at least one question qualifies: changing a
completion into another one question at a time, in questionnaire order, must change the
decision at some step. They are ordered by the expected number of decisions still possible
once the question is answered, each completion class counting once (fewer first); ties keep
the questionnaire's order; and a listed question that decides whether another listed one is
shown is moved just before it, so that the first question is always one a form can show.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError
from ..rulebook import DECISION_GROUP, DECISIONS, RECOMMENDING, Rule
from . import answer_space
from .cache import Entry
from .screener import Screener
from .visibility import dependents, show_if_conditions, visibility

State = tuple[int | None, ...]
"""Per question, in questionnaire order: the class of the given answer, or None when unanswered."""

Classes = tuple[int, ...]


@dataclass(frozen=True)
class Analysis:
    """What the classes of the given answers say about the decision."""

    possible: tuple[str, ...]
    next_questions: tuple[str, ...]

    @property
    def decision(self) -> str | None:
        return self.possible[0] if len(self.possible) == 1 else None


class Previewer:
    """Previews of partial answers, from a decision table the real engine filled once."""

    def __init__(self, screener: Screener, cache_size: int = 4096) -> None:
        book = screener.rulebook
        self._screener = screener
        self._questions = book.questions
        decision_rules = [rule for rule in book.rules if rule.group == DECISION_GROUP]
        self.space = answer_space.build(book, decision_rules, extra=show_if_conditions(book))
        self._sizes = tuple(field.size for field in self.space.fields)
        self._visibility = visibility(book, self.space)
        self._dependents = dependents(book)
        self._decisions = _decision_table(screener, decision_rules, self.space)
        self.analyse = functools.lru_cache(maxsize=cache_size)(self._analyse)

    def state(self, given: Mapping[str, Any]) -> State:
        return tuple(
            field.class_of(given[field.question.id]) if field.question.id in given else None
            for field in self.space.fields
        )

    def preview(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The response body of POST /v1/screenings/preview for validated partial answers."""
        analysis = self.analyse(self.state(given))
        screening: Entry | None = None
        needs: list[str] = []
        details: list[str] = []
        assumed: dict[str, Any] = {}
        if analysis.decision is not None:
            # A copy: the defaults are the rulebook's own lists, and the body leaves our hands.
            assumed = copy.deepcopy({q.id: q.default for q in self._questions if not q.required and q.id not in given})
            screening, needs = self._screening({**assumed, **given}, analysis.decision)
            if screening is not None and analysis.decision in RECOMMENDING:
                details = self._detail_questions(given, assumed, screening)
        return {
            "settled": analysis.decision is not None,
            "decision": analysis.decision,
            "possible_decisions": list(analysis.possible),
            "next_questions": list(analysis.next_questions),
            "screening": screening.dict() if screening else None,
            "screening_needs": needs,
            "detail_questions": details,
            "assumed_defaults": assumed if screening else {},
            "shown_questions": list(self._screener.rulebook.shown(given)),
            "rules_version": self._screener.rulebook.rules_version,
        }

    def _analyse(self, state: State) -> Analysis:
        completions = dict(self._completions(state))
        decided = set(completions.values())
        possible = tuple(decision for decision in DECISIONS if decision in decided)
        if len(possible) == 1:
            return Analysis(possible, ())
        open_questions = [
            index for index, given in enumerate(state)
            if given is None and self._can_change(index, state, completions)
        ]
        remaining = self._expected_remaining(open_questions, completions)
        ranked = sorted(open_questions, key=lambda index: (remaining[index], index))
        return Analysis(possible, tuple(self._questions[index].id for index in self._controllers_first(ranked)))

    def _controllers_first(self, ranked: list[int]) -> list[int]:
        """`ranked`, with each listed question that decides whether another is shown moved just before it."""
        ordered: list[int] = []

        def place(index: int) -> None:
            if index in ordered:
                return
            for controller, _ in self._visibility[index].shown_when if index in self._visibility else ():
                if controller in ranked:
                    place(controller)
            ordered.append(index)

        for index in ranked:
            place(index)
        return ordered

    def _completions(self, state: State) -> Iterator[tuple[Classes, str]]:
        choices = [range(size) if given is None else (given,) for size, given in zip(self._sizes, state, strict=True)]
        hideable = [
            (index, rule) for index, rule in self._visibility.items()
            if state[index] is None and rule.default_class is not None
        ]
        for classes in itertools.product(*choices):
            if all(classes[index] == rule.default_class or rule.shown(classes) for index, rule in hideable):
                yield classes, self._decisions[classes]

    def _can_change(self, question: int, state: State, completions: Mapping[Classes, str]) -> bool:
        dependents = [index for index in self._dependents[question] if state[index] is None]
        if self._sizes[question] == 1 and not dependents:
            return False
        for classes, decision in completions.items():
            for answer in range(self._sizes[question]):
                if answer == classes[question]:
                    continue
                other = completions.get(self._with_answer(classes, question, answer, dependents))
                if other is not None and other != decision:
                    return True
        return False

    def _with_answer(self, classes: Classes, question: int, answer: int, dependents: list[int]) -> Classes:
        """`classes` with another answer to `question`; the questions that answer hides take their default.

        A question the new answer reveals keeps its (default) answer here: the pairs where it
        takes another answer are found from the other side, where changing `question` back
        hides it again and so leads to exactly `classes`.
        """
        changed = [*classes]
        changed[question] = answer
        for index in dependents:  # questionnaire order: a question's controllers come before it
            rule = self._visibility[index]
            if rule.default_class is not None and not rule.shown(changed):
                changed[index] = rule.default_class
        return tuple(changed)

    def _expected_remaining(self, questions: list[int], completions: Mapping[Classes, str]) -> dict[int, float]:
        """Per question: decisions still possible once it is answered, averaged over completions."""
        seen: dict[tuple[int, int], set[str]] = {}
        counts: dict[tuple[int, int], int] = {}
        for classes, decision in completions.items():
            for index in questions:
                key = (index, classes[index])
                seen.setdefault(key, set()).add(decision)
                counts[key] = counts.get(key, 0) + 1
        total = len(completions)
        expected = dict.fromkeys(questions, 0.0)
        for key, count in counts.items():
            expected[key[0]] += count * len(seen[key]) / total
        return expected

    def _screening(self, answers: dict[str, Any], decision: str) -> tuple[Entry | None, list[str]]:
        """The screening of the answers (optional ones defaulted), if unanswered required ones cannot change it.

        A required question has no default, so the screening is given only when it is the same
        for every answer to every unanswered required question; otherwise it is None and the
        required questions that change it are named.
        """
        missing = [q for q in self._questions if q.required and q.id not in answers]
        values = [self._screener.space.field(q.id).representatives for q in missing]
        variants = list(itertools.product(*values))
        bodies: dict[tuple[Any, ...], str] = {}
        screening: Entry | None = None
        for variant in variants:
            filled = {**answers, **{q.id: value for q, value in zip(missing, variant, strict=True)}}
            entry = self._screener.screen(filled)
            screening = screening or entry
            if entry.outcome.decision != decision:
                raise EngineError(f"preview decided {decision} but the engine decides {entry.outcome.decision} "
                                  f"for {filled}")
            bodies[_freeze(variant)] = entry.body_after_id
        needs = [
            question.id for position, question in enumerate(missing)
            if _varies_with(position, variants, bodies)
        ]
        return (None, needs) if needs else (screening, [])


    def _detail_questions(self, given: Mapping[str, Any], assumed: Mapping[str, Any],
                          screening: Entry) -> list[str]:
        """Unanswered optional questions, shown for these answers, whose answer changes the screening.

        The decision is settled, so none of them changes it; they change how the drill is done
        (variant, timing, cautions, preparation). Each answer class of each question is tried
        through the engine with every other answer as in `screening`.
        """
        answers = {**assumed, **given}
        shown = self._screener.rulebook.shown(answers)
        details = []
        for question in self._questions:
            if question.id not in assumed or question.id not in shown:
                continue
            for value in self._screener.space.field(question.id).representatives:
                if self._screener.screen({**answers, question.id: value}).body_after_id != screening.body_after_id:
                    details.append(question.id)
                    break
        return details


def _freeze(variant: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(tuple(value) if isinstance(value, list) else value for value in variant)


def _varies_with(position: int, variants: list[tuple[Any, ...]], bodies: Mapping[tuple[Any, ...], Any]) -> bool:
    """Whether two variants differing only at `position` have different screenings."""
    groups: dict[tuple[Any, ...], Any] = {}
    for variant in variants:
        frozen = _freeze(variant)
        rest = frozen[:position] + frozen[position + 1:]
        if groups.setdefault(rest, bodies[frozen]) != bodies[frozen]:
            return True
    return False


def _decision_table(screener: Screener, decision_rules: list[Rule], space: answer_space.AnswerSpace) -> dict[
        Classes, str]:
    """The engine's decision for every class; each class of the decision rules alone is run once."""
    decision_space = answer_space.build(screener.rulebook, decision_rules)
    by_decision_class: dict[Classes, str] = {}
    table: dict[Classes, str] = {}
    for case in space.cases():
        # `space` only splits the decision space's classes further, so this key is exact.
        coarse = decision_space.key(case)
        if coarse not in by_decision_class:
            by_decision_class[coarse] = screener.screen(case).outcome.decision
        table[space.key(case)] = by_decision_class[coarse]
    return table
