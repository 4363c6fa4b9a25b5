"""A fast path in front of marshmallow, for answer sets that are plainly valid.

marshmallow spends ~20 Python calls on every value (deserialize, validate, error store),
about 30 µs for a full answer set. Almost every request is valid, and for a valid JSON
object marshmallow's result is simple: each given value unchanged (lists copied), each
missing optional answer its default, in questionnaire order. `PlainAnswers` checks exactly
that case with one test per value, built from the same questionnaire as the schema, and
returns None for anything else (a wrong or unusual type, a value out of range, an unknown
or missing field) so that marshmallow judges it and writes the error messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..rulebook import Question, Rulebook

_MISSING_REQUIRED = object()


class PlainAnswers:
    """Loads what marshmallow would load unchanged; None means "ask marshmallow"."""

    def __init__(self, rulebook: Rulebook) -> None:
        self._checks = {question.id: _check(question) for question in rulebook.questions}
        self._defaults = [(question.id, _default(question)) for question in rulebook.questions]

    def load(self, payload: Any) -> dict[str, Any] | None:
        # Exact types only: JSON gives exactly dict, list, str, int, bool and None; a subclass
        # (or the schema's OversizedNumber) is left to marshmallow.
        if type(payload) is not dict:
            return None
        checks = self._checks
        for name, value in payload.items():
            check = checks.get(name)
            if check is None or not check(value):
                return None
        loaded: dict[str, Any] = {}
        for name, default in self._defaults:
            if name in payload:
                value = payload[name]
                loaded[name] = list(value) if type(value) is list else value
            elif default is _MISSING_REQUIRED:
                return None
            else:
                loaded[name] = default() if callable(default) else default
        return loaded


def _check(question: Question) -> Callable[[Any], bool]:
    nullable = question.spec.nullable
    if question.type == "boolean":
        return lambda value: type(value) is bool
    if question.type == "integer":
        low, high = question.minimum, question.maximum
        assert low is not None and high is not None
        return lambda value: (type(value) is int and low <= value <= high) or (nullable and value is None)
    options = frozenset(option.value for option in question.options)
    if question.type == "single_choice":
        return lambda value: type(value) is str and value in options
    return lambda value: (
        type(value) is list
        and all(type(item) is str and item in options for item in value)
        and len(set(value)) == len(value)
    )


def _default(question: Question) -> Any:
    if question.required:
        return _MISSING_REQUIRED
    # A fresh list per answer set, as marshmallow's load_default=list gives.
    return list if isinstance(question.default, list) else question.default
