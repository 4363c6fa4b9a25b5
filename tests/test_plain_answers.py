"""The fast path loads exactly what marshmallow loads, and leaves everything else to it."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from marshmallow import ValidationError
from test_answer_space import payloads

from service import rulebook
from service.screening.answers import OversizedNumber, answers_schema
from service.screening.plain_answers import PlainAnswers

BOOK = rulebook.load()
SCHEMA = answers_schema(BOOK)
PLAIN = PlainAnswers(BOOK)
MINIMAL = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "structural_conditions": [],
           "pain_areas": [], "hip_pinch": False, "sex": "female", "lifting_style": "none",
           "prior_soft_tissue_work": True}
# Answers that show every conditional question, so that a value is judged as a value.
SHOWING = {**MINIMAL, "pain_areas": ["hip"], "pain_severity": 3, "lifting_style": "sumo"}


def test_valid_answers_load_exactly_as_marshmallow_loads_them() -> None:
    for payload in payloads(3000, seed=11):
        untouched = copy.deepcopy(payload)
        plain, expected = PLAIN.load(payload), SCHEMA.load(payload)
        assert plain is not None, payload
        assert plain == expected and list(plain) == list(expected), payload
        assert [type(value) for value in plain.values()] == [type(value) for value in expected.values()]
        assert payload == untouched


def test_loaded_lists_are_copies_and_defaults_are_fresh() -> None:
    payload = {**MINIMAL, "sports": ["running"]}
    first, second = PLAIN.load(payload), PLAIN.load(MINIMAL)
    assert first is not None and second is not None
    assert first["sports"] is not payload["sports"]
    first["sports"].append("other")
    second["pain_areas"].append("hip")
    assert payload["sports"] == ["running"] and PLAIN.load(MINIMAL) == SCHEMA.load(MINIMAL)


BAD_VALUES: dict[str, list[Any]] = {
    "single_choice": ["woman", "", None, 1, True, ["female"], {"value": "female"}],
    "multi_choice": [None, "running", ["running", "running"], ["nope"], [1], [None], [["running"]], {}],
    "boolean": [None, 0, 1, "true", "yes", [], 1.0],
    "integer": ["5", 5.5, True, False, [3], OversizedNumber("9" * 40)],
}
# Not plain, though perhaps valid: marshmallow decides what a float with no fraction is.
UNUSUAL_VALUES: dict[str, list[Any]] = {"integer": [5.0, 0.0]}


@pytest.mark.parametrize("question", BOOK.questions, ids=lambda q: q.id)
def test_every_bad_value_goes_to_marshmallow(question: rulebook.Question) -> None:
    bad_values = list(BAD_VALUES[question.type])
    if question.type == "integer":
        bad_values += [question.minimum - 1, question.maximum + 1] + ([] if question.nullable else [None])
    for value in bad_values:
        payload = {**SHOWING, question.id: value}
        assert PLAIN.load(payload) is None, (question.id, value)
        with pytest.raises(ValidationError):
            SCHEMA.load(payload)
    for value in UNUSUAL_VALUES.get(question.type, []):
        assert PLAIN.load({**SHOWING, question.id: value}) is None, (question.id, value)


@pytest.mark.parametrize(
    "payload",
    [
        {"sex": "female", "lifting_style": "none"},
        {**MINIMAL, "colour": "red"},
        {**MINIMAL, 1: True},
        [MINIMAL],
        "answers",
        None,
    ],
)
def test_anything_but_a_plain_valid_object_goes_to_marshmallow(payload: Any) -> None:
    assert PLAIN.load(payload) is None


def test_subclasses_of_json_types_go_to_marshmallow() -> None:
    class Text(str):
        pass

    class Answers(dict[str, Any]):
        pass

    assert PLAIN.load({**MINIMAL, "sex": Text("female")}) is None
    assert PLAIN.load(Answers(MINIMAL)) is None


def test_random_mutations_are_loaded_identically_or_deferred() -> None:
    """Whatever the payload, the fast path gives marshmallow's result or no result."""
    rng = random.Random(5)
    pool: list[Any] = [None, True, False, 0, 3, 7, 11, -2, 2.5, "", "male", "sumo", "running", "hip",
                       [], ["running"], ["hip", "hip"], ["labral_tear"], {}, OversizedNumber("1" * 31)]
    names = [q.id for q in BOOK.questions] + ["unknown"]
    for payload in payloads(2000, seed=19):
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.2 and payload:
                del payload[rng.choice(list(payload))]
            else:
                payload[rng.choice(names)] = rng.choice(pool)
        plain = PLAIN.load(payload)
        try:
            expected = SCHEMA.load(payload)
        except ValidationError:
            assert plain is None, payload
        else:
            assert plain is None or (plain == expected and list(plain) == list(expected)), payload
