"""Questions and their types: everything that depends on the kind of answer a question takes.

A question type is one class. It says how an answer is validated (the marshmallow field, and
the fast path's one-line check), read from a CSV cell, turned into durable-rules fact
properties, which condition tests apply to it and which values they may name, every valid
answer (for the answer space), and what the questionnaire JSON says about it. Everything
else asks the question's `kind`; a new type is one class here, registered in `TYPES`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from marshmallow import fields, validate

from .answer_fields import StrictBoolean, StrictInteger, parse_json_int, unique_items
from .conditions import AllOf, Condition, ConditionError

SCALAR_OPS = frozenset({"eq", "ne", "in"})
INTEGER_OPS = frozenset({"gte", "gt", "lte", "lt", "given"})
LIST_OPS = frozenset({"has", "has_any", "has_none", "empty"})
LIST_SEPARATOR = ";"
EMPTY_LIST_CELL = "none"
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


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
    show_if: Mapping[str, Condition] = field(default_factory=dict)
    """Per earlier question, the test its answer must pass for this one to be shown."""
    show_if_source: Mapping[str, Any] = field(default_factory=dict)
    """`show_if` as written in the rule file, served as such."""
    asks_to_move: bool = False
    """Answering asks the athlete to move (a test); asked only once nothing rules moving out."""

    @property
    def kind(self) -> QuestionType:
        return TYPES[self.type]

    @property
    def nullable(self) -> bool:
        """A question that may be left unanswered (None): optional with that default, or conditional."""
        return self.default is None and (not self.required or bool(self.show_if))

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    @property
    def show_condition(self) -> Condition | None:
        """`show_if` as one condition: every listed question's answer passes its test."""
        if not self.show_if:
            return None
        tests = tuple(self.show_if.values())
        return tests[0] if len(tests) == 1 else AllOf(tests)

    def json(self) -> dict[str, Any]:
        """The question as GET /v1/questionnaire serves it."""
        body: dict[str, Any] = {"id": self.id, "text": self.text, "help": self.help, "type": self.type,
                                "required": self.required}
        if not self.required:
            body["default"] = self.default
        if self.options:
            body["options"] = [{"value": option.value, "label": option.label} for option in self.options]
        body.update(self.kind.json_extras(self))
        body["show_if"] = dict(self.show_if_source) or None
        if self.asks_to_move:
            body["asks_to_move"] = True
        return body


class QuestionType:
    """What one kind of answer means to validation, conditions, facts and the answer space."""

    name: ClassVar[str]
    ops: ClassVar[frozenset[str]] = SCALAR_OPS
    """The condition tests a rule may apply to a question of this type."""
    partition: ClassVar[str] = "values"
    """How the answer space splits its answers: by named `values`, by `range`, or by `subsets`."""
    has_options: ClassVar[bool] = False

    def problem(self, question: Question) -> str | None:
        """What is wrong with the question's own settings, if anything."""
        if self.has_options != bool(question.options):
            return "choice questions, and only they, have options"
        return None

    def field(self, question: Question, options: dict[str, Any]) -> fields.Field[Any]:
        raise NotImplementedError

    def plain_check(self, question: Question) -> Callable[[Any], bool]:
        """True for a value marshmallow would load unchanged; False sends it to marshmallow."""
        raise NotImplementedError

    def load_default(self, question: Question) -> Any:
        """What an unanswered optional question loads as (a callable makes a fresh value)."""
        return question.default

    def parse_cell(self, text: str) -> Any:
        """A stripped CSV cell as an answer; ValueError saying why when it is not one."""
        return text

    def values(self, question: Question) -> tuple[Any, ...]:
        """Every valid answer, first the one that stands for a question no rule reads."""
        raise NotImplementedError

    def check_value(self, question: Question, value: Any) -> None:
        """ConditionError unless a condition test may name `value`."""
        if value not in question.option_values:
            raise ConditionError(f"{question.id}: {value!r} is not one of {list(question.option_values)}")

    def check_default(self, question: Question) -> None:
        self.check_value(question, question.default)

    def add_facts(self, question: Question, value: Any, fact: dict[str, Any]) -> None:
        if question.nullable:
            fact[f"{question.id}__given"] = value is not None
            if value is not None:
                fact[question.id] = value
        else:
            fact[question.id] = value

    def fact_properties(self, question: Question) -> set[str]:
        return {question.id, f"{question.id}__given"} if question.nullable else {question.id}

    def json_extras(self, question: Question) -> dict[str, Any]:
        return {}


class SingleChoice(QuestionType):
    name = "single_choice"
    has_options = True

    def field(self, question: Question, options: dict[str, Any]) -> fields.Field[Any]:
        return fields.String(validate=validate.OneOf(question.option_values), **options)

    def plain_check(self, question: Question) -> Callable[[Any], bool]:
        values = frozenset(question.option_values)
        return lambda value: type(value) is str and value in values

    def values(self, question: Question) -> tuple[Any, ...]:
        return question.option_values


class MultiChoice(QuestionType):
    name = "multi_choice"
    ops = LIST_OPS
    partition = "subsets"
    has_options = True

    def field(self, question: Question, options: dict[str, Any]) -> fields.Field[Any]:
        choices = validate.OneOf(question.option_values)
        return fields.List(fields.String(validate=choices), validate=unique_items, **options)

    def plain_check(self, question: Question) -> Callable[[Any], bool]:
        values = frozenset(question.option_values)
        return lambda value: (
            type(value) is list
            and all(type(item) is str and item in values for item in value)
            and len(set(value)) == len(value)
        )

    def load_default(self, question: Question) -> Any:
        # A fresh list per answer set; plain `list` for the usual empty default, as it is faster.
        return functools.partial(list, question.default) if question.default else list

    def parse_cell(self, text: str) -> Any:
        if text.lower() == EMPTY_LIST_CELL:  # an empty cell is "not answered", never "none"
            return []
        return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]

    def values(self, question: Question) -> tuple[Any, ...]:
        options = question.option_values
        return tuple(
            [option for bit, option in enumerate(options) if mask >> bit & 1] for mask in range(1 << len(options))
        )

    def check_default(self, question: Question) -> None:
        if not isinstance(question.default, list):
            raise ConditionError("a multi-choice default must be a list")
        for value in question.default:
            self.check_value(question, value)

    def add_facts(self, question: Question, value: Any, fact: dict[str, Any]) -> None:
        chosen = set(value or ())
        for option in question.option_values:
            fact[f"{question.id}__{option}"] = option in chosen
        fact[f"{question.id}__count"] = len(chosen)

    def fact_properties(self, question: Question) -> set[str]:
        return {f"{question.id}__{option}" for option in question.option_values} | {f"{question.id}__count"}

    def json_extras(self, question: Question) -> dict[str, Any]:
        return {"unique_items": True}


class Integer(QuestionType):
    name = "integer"
    ops = SCALAR_OPS | INTEGER_OPS
    partition = "range"

    def problem(self, question: Question) -> str | None:
        if not (isinstance(question.minimum, int) and isinstance(question.maximum, int)):
            return "integer questions need integer minimum and maximum"
        return super().problem(question)

    def field(self, question: Question, options: dict[str, Any]) -> fields.Field[Any]:
        return StrictInteger(validate=validate.Range(question.minimum, question.maximum), **options)

    def plain_check(self, question: Question) -> Callable[[Any], bool]:
        low, high, nullable = question.minimum, question.maximum, question.nullable
        assert low is not None and high is not None
        return lambda value: (type(value) is int and low <= value <= high) or (nullable and value is None)

    def parse_cell(self, text: str) -> Any:
        if not WHOLE_NUMBER.fullmatch(text):
            raise ValueError(f"Must be a whole number, not {text!r}.")
        return parse_json_int(text.lstrip("+"))

    def values(self, question: Question) -> tuple[Any, ...]:
        assert question.minimum is not None and question.maximum is not None
        numbers = tuple(range(question.minimum, question.maximum + 1))
        return (*numbers, None) if question.nullable else numbers

    def check_value(self, question: Question, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConditionError(f"{question.id}: {value!r} is not an integer")
        low = question.minimum if question.minimum is not None else value
        high = question.maximum if question.maximum is not None else value
        if not low <= value <= high:
            raise ConditionError(f"{question.id}: {value} is outside {question.minimum}..{question.maximum}")

    def check_default(self, question: Question) -> None:
        if question.default is not None:
            self.check_value(question, question.default)

    def json_extras(self, question: Question) -> dict[str, Any]:
        return {"minimum": question.minimum, "maximum": question.maximum}


class Boolean(QuestionType):
    name = "boolean"

    def field(self, question: Question, options: dict[str, Any]) -> fields.Field[Any]:
        return StrictBoolean(**options)

    def plain_check(self, question: Question) -> Callable[[Any], bool]:
        return lambda value: type(value) is bool

    def parse_cell(self, text: str) -> Any:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"Must be true or false, not {text!r}.")
        return text.lower() == "true"

    def values(self, question: Question) -> tuple[Any, ...]:
        return (False, True)

    def check_value(self, question: Question, value: Any) -> None:
        if not isinstance(value, bool):
            raise ConditionError(f"{question.id}: 'eq' takes true or false, got {value!r}")


TYPES: dict[str, QuestionType] = {kind.name: kind() for kind in (SingleChoice, MultiChoice, Integer, Boolean)}
