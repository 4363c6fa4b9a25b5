"""A fast path in front of marshmallow, for answer sets that are plainly valid.

marshmallow spends many Python calls on every value (deserialize, validate, error store;
figures in docs/performance.md). Almost every request is valid, and for a valid JSON
object marshmallow's result is simple: each given value unchanged (lists copied), each
missing optional answer its default, in questionnaire order. `PlainAnswers` checks exactly
that case with one test per value, built from the same questionnaire as the schema, and
returns None for anything else (a wrong or unusual type, a value out of range, an unknown
or missing field) so that marshmallow judges it and writes the error messages.
"""

from __future__ import annotations

from typing import Any

from ..rulebook import Question, Rulebook

_MISSING_REQUIRED = object()


class PlainAnswers:
    """Loads what marshmallow would load unchanged; None means "ask marshmallow"."""

    def __init__(self, rulebook: Rulebook) -> None:
        self._checks = {question.id: question.kind.plain_check(question) for question in rulebook.questions}
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


def _default(question: Question) -> Any:
    if question.required and not question.show_if:
        return _MISSING_REQUIRED
    return question.kind.load_default(question)
