"""Request validation, built from the questionnaire so that both always agree."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields

from ..rulebook import Question, Rulebook
from ..rulebook.answer_fields import OversizedNumber, parse_json_int

__all__ = ["OversizedNumber", "answers_schema", "flatten_errors", "parse_json_int"]


def _field(question: Question) -> fields.Field[Any]:
    # A conditional question is required only when shown: the Screener checks that, after loading.
    required = question.required and not question.show_if
    options: dict[str, Any] = {"required": required}
    if not required:
        options["load_default"] = question.kind.load_default(question)
        options["allow_none"] = question.nullable  # as the fast path: null is "not answered"
    return question.kind.field(question, options)


def answers_schema(rulebook: Rulebook) -> Schema:
    """The schema of a set of answers: one field per question, unknown fields rejected."""
    schema_class = Schema.from_dict({q.id: _field(q) for q in rulebook.questions}, name="AnswersSchema")
    return schema_class(unknown=RAISE)


NOT_SHOWN = "Leave this out: with these answers the question is not asked ({reason})."
REQUIRED = "Missing data for required field."


def shown_errors(rulebook: Rulebook, answers: dict[str, Any], given: Collection[str],
                 partial: bool = False) -> dict[str, list[str]]:
    """What `show_if` makes wrong in loaded answers: an answer to a question not shown, or a
    question required when shown left out. A question not shown keeps its default in `answers`."""
    conditional = [question for question in rulebook.questions if question.show_if]
    if not conditional:
        return {}
    shown = set(rulebook.shown(answers))
    errors: dict[str, list[str]] = {}
    for question in conditional:
        if question.id not in shown:
            if question.id in given and answers.get(question.id) is not None:  # null: not answered
                reason = " and ".join(_in_words(other, test) for other, test in question.show_if_source.items())
                errors[question.id] = [NOT_SHOWN.format(reason=f"it is asked only when {reason}")]
            elif question.id in given or not partial:
                answers[question.id] = question.default
        elif question.required and answers.get(question.id) is None:
            if not partial:
                errors[question.id] = [REQUIRED]
            answers.pop(question.id, None)  # null: not answered, so a preview leaves it open
    return errors


_OPS = {"eq": "is", "ne": "is not", "in": "is one of", "gte": "is at least", "gt": "is more than",
        "lte": "is at most", "lt": "is less than", "has": "includes", "has_any": "includes one of",
        "has_none": "includes none of", "given": "is given:"}


def _in_words(field: str, test: Any) -> str:
    """A show_if test as a phrase: `pain_areas is not empty`, `lifting_style is one of sumo, mixed`."""
    op, value = next(iter(test.items())) if isinstance(test, Mapping) else ("eq", test)
    if op == "empty":
        return f"{field} is {'empty' if value else 'not empty'}"
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{field} {_OPS[op]} {shown}"


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
