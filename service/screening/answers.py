"""Request validation, built from the questionnaire so that both always agree."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..rulebook import Question, Rulebook

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


def _unique_items(items: list[Any]) -> None:
    if len(set(items)) != len(items):
        raise ValidationError("Items must be unique.")


def _field(question: Question) -> fields.Field[Any]:
    options: dict[str, Any] = {"required": question.required}
    if not question.required:
        default = question.default
        options["load_default"] = list if isinstance(default, list) else default
        options["allow_none"] = default is None
    if question.type == "integer":
        return StrictInteger(validate=validate.Range(question.minimum, question.maximum), **options)
    if question.type == "boolean":
        return StrictBoolean(**options)
    choices = validate.OneOf([option.value for option in question.options])
    if question.type == "single_choice":
        return fields.String(validate=choices, **options)
    return fields.List(fields.String(validate=choices), validate=_unique_items, **options)


def answers_schema(rulebook: Rulebook) -> Schema:
    """The schema of a set of answers: one field per question, unknown fields rejected."""
    schema_class = Schema.from_dict({q.id: _field(q) for q in rulebook.questions}, name="AnswersSchema")
    return schema_class(unknown=RAISE)


def flatten_errors(messages: Mapping[str, Any] | list[Any], submitted: Collection[str] = ()) -> dict[str, list[str]]:
    """marshmallow's nested errors as {field: [messages]}; list items are named in the text.

    marshmallow files errors about the whole body under `_schema`, which is also a legal
    name for an unknown field: a `_schema` the client sent keeps its name.
    """
    if not isinstance(messages, Mapping):
        return {"_body": [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        key = "_body" if name == "_schema" and name not in submitted else str(name)
        if isinstance(value, Mapping):
            for index, item_messages in value.items():
                flat.setdefault(key, []).extend(f"Item {index}: {text}" for text in item_messages)
        else:
            flat.setdefault(key, []).extend(str(text) for text in value)
    return flat
