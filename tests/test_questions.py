"""Each question type answers for itself: validation, fast path, CSV cells, facts, values."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, ValidationError

from service import rulebook
from service.rulebook import conditions
from service.rulebook.conditions import ConditionError
from service.rulebook.questions import TYPES, Question

BOOK = rulebook.load()
QUESTIONS = {question.type: question for question in BOOK.questions}


def test_the_questionnaire_uses_every_type() -> None:
    assert set(QUESTIONS) == set(TYPES)


@pytest.mark.parametrize("question", BOOK.questions, ids=lambda q: q.id)
def test_every_valid_value_passes_the_field_and_the_fast_path(question: Question) -> None:
    field = question.kind.field(question, {"required": True, "allow_none": question.nullable})
    schema = Schema.from_dict({question.id: field})()
    check = question.kind.plain_check(question)
    for value in question.kind.values(question):
        assert schema.load({question.id: value}) == {question.id: value}
        assert check(value), value


@pytest.mark.parametrize("question", BOOK.questions, ids=lambda q: q.id)
def test_the_fast_path_never_accepts_what_the_field_rejects(question: Question) -> None:
    field = question.kind.field(question, {"required": True, "allow_none": question.nullable})
    schema = Schema.from_dict({question.id: field})()
    check = question.kind.plain_check(question)
    for value in ("nope", 99, -1, True, None, 5.0, ["nope"], [], {}):
        try:
            loaded = schema.load({question.id: value})
        except ValidationError:
            assert not check(value), value
        else:
            assert not check(value) or loaded == {question.id: value}, value


@pytest.mark.parametrize("question", BOOK.questions, ids=lambda q: q.id)
def test_flatten_writes_the_fact_properties_of_every_value(question: Question) -> None:
    fields = {question.id: question}
    for value in question.kind.values(question):
        fact = conditions.flatten({question.id: value}, fields)
        written = set(fact) - {"kind"}
        assert written <= question.kind.fact_properties(question)
        assert written == question.kind.fact_properties(question) - ({question.id} if value is None else set())


@pytest.mark.parametrize(("kind", "cell", "expected"), [
    ("boolean", "TRUE", True), ("integer", "+7", 7), ("multi_choice", "a; b;", ["a", "b"]), ("single_choice", "x", "x"),
])
def test_cells_read_as_their_type(kind: str, cell: str, expected: Any) -> None:
    assert TYPES[kind].parse_cell(cell) == expected


@pytest.mark.parametrize("question", BOOK.questions, ids=lambda q: q.id)
def test_a_condition_may_name_exactly_the_valid_values(question: Question) -> None:
    for value in question.kind.values(question):
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            question.kind.check_value(question, item)
    with pytest.raises(ConditionError):
        question.kind.check_value(question, "no such answer")
