"""Request validation, built from the questionnaire so that both always agree."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields

from ..rulebook import Question, Rulebook
from ..rulebook.answer_fields import OversizedNumber, parse_json_int

__all__ = ["OversizedNumber", "answers_schema", "flatten_errors", "parse_json_int"]


def _field(question: Question) -> fields.Field[Any]:
    options: dict[str, Any] = {"required": question.required}
    if not question.required:
        options["load_default"] = question.kind.load_default(question)
        options["allow_none"] = question.default is None
    return question.kind.field(question, options)


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
