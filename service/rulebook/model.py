"""What a rulebook is: its questions, rules, catalogue and examples, and the codes they may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import Condition, FieldSpec

DECISIONS = (
    "recommended",
    "recommended_with_caution",
    "assess_first",
    "not_needed",
    "not_recommended",
)
RECOMMENDING = frozenset({"recommended", "recommended_with_caution"})
VARIANTS = ("feet_on_wall", "feet_on_floor")
TIMINGS = ("before_training", "after_training", "after_event")
QUESTION_TYPES = ("single_choice", "multi_choice", "integer", "boolean")
DECISION_GROUP = "decision"


class RulebookError(Exception):
    """The rulebook on disk is not valid; the message names the file and the rule."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str | None
    type: str
    required: bool
    default: Any
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    show_if: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def spec(self) -> FieldSpec:
        return FieldSpec(
            id=self.id,
            type=self.type,
            options=tuple(option.value for option in self.options),
            minimum=self.minimum,
            maximum=self.maximum,
            nullable=not self.required and self.default is None,
        )


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
    refer: bool = False
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
    fields: Mapping[str, FieldSpec] = field(init=False)
    rules_by_id: Mapping[str, Rule] = field(init=False)

    def __post_init__(self) -> None:
        # Derived once: both are read on every screening.
        object.__setattr__(self, "fields", {q.id: q.spec for q in self.questions})
        object.__setattr__(self, "rules_by_id", {rule.id: rule for rule in self.rules})

    def questionnaire_json(self) -> dict[str, Any]:
        """The questionnaire as GET /v1/questionnaire serves it."""
        return {"rules_version": self.rules_version, "questions": [_question_json(q) for q in self.questions]}


def _question_json(question: Question) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": question.id,
        "text": question.text,
        "help": question.help,
        "type": question.type,
        "required": question.required,
    }
    if not question.required:
        body["default"] = question.default
    if question.options:
        body["options"] = [{"value": option.value, "label": option.label} for option in question.options]
    if question.type == "multi_choice":
        body["unique_items"] = True
    if question.type == "integer":
        body["minimum"], body["maximum"] = question.minimum, question.maximum
    body["show_if"] = {key: list(values) for key, values in question.show_if.items()} or None
    return body
