from __future__ import annotations

from typing import Any

import pytest

from service import rulebook
from service.errors import InvalidAnswers
from service.screening.screener import Screener

SCREENER = Screener(rulebook.load())
MINIMAL = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "structural_conditions": [],
           "pain_areas": [], "hip_pinch": False, "sex": "female", "lifting_style": "none",
           "prior_soft_tissue_work": True}
# Answers that show every conditional question, so that a value is judged as a value.
SHOWING = {**MINIMAL, "pain_areas": ["hip"], "pain_severity": 3, "lifting_style": "sumo"}


def errors_for(payload: Any) -> dict[str, list[str]]:
    with pytest.raises(InvalidAnswers) as caught:
        SCREENER.load(payload)
    assert caught.value.errors is not None
    return dict(caught.value.errors)


def test_defaults_fill_what_was_not_answered() -> None:
    assert SCREENER.load(MINIMAL) == {
        **MINIMAL, "sports": [], "sumo_days_per_week": None, "squats": False, "pain_areas": [],
        "pain_severity": None, "hip_pinch": False, "structural_conditions": [], "hip_ir": "not_tested",
        "wall_available": True,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_severity", "5", "Not a valid integer."),
        ("pain_severity", 5.5, "Not a valid integer."),
        ("pain_severity", float("nan"), "Not a valid integer."),
        ("pain_severity", 11.0, "Must be greater than or equal to 0 and less than or equal to 10."),
        ("pain_severity", True, "Not a valid integer."),
        ("pain_severity", 11, "Must be greater than or equal to 0 and less than or equal to 10."),
        ("pain_severity", -1, "Must be greater than or equal to 0 and less than or equal to 10."),
        ("pain_severity", None, "Missing data for required field."),  # null is "not answered", and it is shown
        ("sumo_days_per_week", 8, "Must be greater than or equal to 0 and less than or equal to 7."),
        ("squats", "yes", "Must be true or false."),
        ("squats", 1, "Must be true or false."),
        ("squats", "true", "Must be true or false."),
        ("sex", "woman", "Must be one of: female, male, other, prefer_not_to_say."),
        ("sex", None, "Field may not be null."),
        ("sex", ["female"], "Not a valid string."),
        ("sports", "running", "Not a valid list."),
        ("sports", ["running", "running"], "Items must be unique."),
        ("sports", ["running", "chess"], "Item 1: Must be one of:"),
        ("structural_conditions", [1], "Item 0: Not a valid string."),
        ("hip_ir", "LIMITED", "Must be one of: limited, normal, not_tested."),
        ("favourite_colour", "blue", "Unknown field."),
        ("_schema", 1, "Unknown field."),
    ],
)
def test_each_bad_value_is_named_with_its_field(field: str, value: Any, message: str) -> None:
    errors = errors_for({**SHOWING, field: value})
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)


def test_every_missing_required_field_is_named() -> None:
    required = ["red_flags", "age", "recent_surgery", "recent_injury", "structural_conditions", "pain_areas",
                "sex", "lifting_style", "prior_soft_tissue_work", "hip_pinch"]
    assert errors_for({}) == {name: ["Missing data for required field."] for name in required}


@pytest.mark.parametrize("payload", [[], "answers", 42, None])
def test_a_body_that_is_not_an_object_is_refused(payload: Any) -> None:
    assert errors_for(payload) == {"_body": ["Expected a JSON object."]}


def test_a_whole_number_written_with_a_fraction_is_that_integer() -> None:
    """JSON Schema's `integer` (and so openapi.yaml) accepts 5.0; the service must agree."""
    loaded = SCREENER.load({**SHOWING, "pain_severity": 5.0, "sumo_days_per_week": 7.0})
    assert (loaded["pain_severity"], loaded["sumo_days_per_week"]) == (5, 7)
    assert type(loaded["pain_severity"]) is int


def test_null_is_allowed_where_the_default_is_null() -> None:
    assert SCREENER.load({**MINIMAL, "sumo_days_per_week": None})["sumo_days_per_week"] is None
