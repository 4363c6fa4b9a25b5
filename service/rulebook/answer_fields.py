"""marshmallow fields as strict as JSON: the field types the question types validate with."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

MAX_INTEGER_DIGITS = 30


class OversizedNumber:
    """Stands in for an integer literal too long to convert (Python caps int parsing)."""

    def __init__(self, digits: str) -> None:
        self.digits = digits


def parse_json_int(literal: str) -> int | OversizedNumber:
    """`json.loads(parse_int=...)`: huge literals become a value validation rejects."""
    return OversizedNumber(literal) if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS else int(literal)


class StrictInteger(fields.Integer):
    """A JSON integer: no "5", no 5.5, no true. 5.0 is 5, as JSON Schema's `integer` says."""

    # marshmallow reads (and merges) this class attribute by name.
    default_error_messages = {  # noqa: RUF012
        "invalid": "Not a valid integer.",
        "too_large": "Number too large.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, OversizedNumber):
            raise self.make_error("too_large")
        if isinstance(value, float) and value.is_integer():
            # JSON has one number type: 5.0 and 5 are the same value, and the spec allows both.
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class StrictBoolean(fields.Field[bool]):
    """true or false only; marshmallow's Boolean would accept "yes", 1 and "on"."""

    default_error_messages = {"invalid": "Must be true or false."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def unique_items(items: list[Any]) -> None:
    if len(set(items)) != len(items):
        raise ValidationError("Items must be unique.")
