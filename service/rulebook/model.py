"""What a rulebook is: its questions, rules, catalogue and examples, and the codes they may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import Condition, holds
from .questions import Question

DECISIONS = (
    "recommended",
    "recommended_with_caution",
    "assess_first",
    "not_needed",
    "not_recommended",
)
URGENCIES = ("routine", "urgent")
"""Referral urgencies, least urgent first."""
RECOMMENDING = frozenset({"recommended", "recommended_with_caution"})
VARIANTS = ("feet_on_wall", "feet_on_floor")
TIMINGS = ("before_training", "after_training", "after_event")
DECISION_GROUP = "decision"


class RulebookError(Exception):
    """The rulebook on disk is not valid; the message names the file and the rule."""


@dataclass(frozen=True)
class Caution:
    code: str
    severity: str
    text: str


@dataclass(frozen=True)
class Rule:
    id: str
    file: str
    source: str
    reason: str
    when: Condition
    durable_condition: dict[str, Any]
    group: str | None = None
    applies_to: frozenset[str] | None = None
    decision: str | None = None
    refer: str | None = None
    """The referral urgency this rule gives (`URGENCIES`), or None."""
    cautions: tuple[str, ...] = ()
    preparation: tuple[str, ...] = ()
    variant: Mapping[str, Any] | None = None
    timing: Mapping[str, Any] | None = None

    def applies(self, decision: str) -> bool:
        return self.applies_to is None or decision in self.applies_to


@dataclass(frozen=True)
class Example:
    file: str
    name: str
    answers: Mapping[str, Any]
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class Rulebook:
    name: str
    version: str
    rules_version: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    groups: Mapping[str, Mapping[str, Any]]
    cautions: Mapping[str, Caution]
    preparation: Mapping[str, str]
    examples: tuple[Example, ...]
    fields: Mapping[str, Question] = field(init=False)
    rules_by_id: Mapping[str, Rule] = field(init=False)

    def __post_init__(self) -> None:
        # Derived once: both are read on every screening.
        object.__setattr__(self, "fields", {q.id: q for q in self.questions})
        object.__setattr__(self, "rules_by_id", {rule.id: rule for rule in self.rules})

    def shown(self, answers: Mapping[str, Any]) -> tuple[str, ...]:
        """The questions a form shows for these answers, in order: the one meaning of `show_if`.

        A conditional question is shown when every question its show_if names is shown and
        answered with an answer that passes the test (rule condition language).
        """
        shown: list[str] = []
        for question in self.questions:
            if all(other in shown and other in answers and holds(test, {other: answers[other]})
                   for other, test in question.show_if.items()):
                shown.append(question.id)
        return tuple(shown)

    def controls(self, question_id: str) -> tuple[str, ...]:
        """The questions whose showing depends on this one's answer, directly or not, in order."""
        found = {question_id}
        for question in self.questions:  # a show_if names earlier questions only, so one pass follows chains
            if found.intersection(question.show_if):
                found.add(question.id)
        return tuple(q.id for q in self.questions if q.id in found and q.id != question_id)

    def questionnaire_json(self) -> dict[str, Any]:
        """The questionnaire as GET /v1/questionnaire serves it."""
        return {"rules_version": self.rules_version,
                "questions": [{**q.json(), "controls": list(self.controls(q.id))} for q in self.questions]}

