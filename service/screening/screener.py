"""A screening from start to end: validate answers, match rules, resolve, shape the result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from ..errors import InvalidAnswers
from ..rulebook import Example, Rulebook, RulebookError, conditions
from . import answer_space, outcome
from .answers import answers_schema, flatten_errors, shown_errors
from .cache import Entry, OutcomeCache
from .engine import Engine
from .plain_answers import PlainAnswers

CACHE_MAX_CLASSES = 1 << 20
"""Slots in the outcome cache: 2 bytes each, 6 when the answer space is larger and slots are keyed."""


class Screener:
    """Everything a screening needs, built once per process from one rulebook."""

    def __init__(self, rulebook: Rulebook, engine: Engine | None = None,
                 cache_max_classes: int = CACHE_MAX_CLASSES) -> None:
        """The outcome cache holds at most `cache_max_classes` answer classes; 0 turns it off."""
        self.rulebook = rulebook
        self.engine = engine or Engine(rulebook)
        self.schema = answers_schema(rulebook)
        self.plain_answers = PlainAnswers(rulebook)
        self.space = answer_space.build(rulebook)
        self.cache = OutcomeCache(rulebook, self.space.size, cache_max_classes) if cache_max_classes > 0 else None

    def load(self, payload: Any, partial: bool = False) -> dict[str, Any]:
        """Validated answers with defaults filled in, or InvalidAnswers naming each field.

        `partial`: any question may be missing, and missing ones stay missing (no defaults);
        the answers given are validated exactly as in a full load.
        """
        plain = None if partial else self.plain_answers.load(payload)
        if plain is None:
            if not isinstance(payload, Mapping):
                raise InvalidAnswers("The body must be a JSON object of answers.",
                                     {"_body": ["Expected a JSON object."]})
            try:
                plain = dict(self.schema.load(payload, partial=partial))
            except ValidationError as error:
                messages = flatten_errors(error.messages, submitted=payload.keys())
                raise InvalidAnswers(f"{len(messages)} answer(s) are invalid: {', '.join(messages)}.",
                                     messages) from error
        messages = shown_errors(self.rulebook, plain, payload.keys(), partial)
        if messages:
            raise InvalidAnswers(f"{len(messages)} answer(s) are invalid: {', '.join(messages)}.", messages)
        return plain

    def screen(self, answers: Mapping[str, Any]) -> Entry:
        """The outcome of validated answers, with its response body (cached per answer class)."""
        if self.cache is None:
            return Entry.of(self._evaluate(answers), self.rulebook)
        class_index = self.space.index(answers)
        return self.cache.get(class_index) or self.cache.add(class_index, self._evaluate(answers))

    def matching_rules(self, answers: Mapping[str, Any]) -> frozenset[str]:
        """Ids of the rules durable-rules finds true for validated answers, bypassing the cache."""
        return self.engine.matching_rules(conditions.flatten(answers, self.rulebook.fields))

    def _evaluate(self, answers: Mapping[str, Any]) -> outcome.Outcome:
        return outcome.resolve(self.rulebook, self.matching_rules(answers))

    def example_mismatches(self, example: Example) -> list[str]:
        """How the engine's result differs from one rule file example; empty when they agree."""
        try:
            answers = self.load(example.answers)
        except InvalidAnswers as error:
            return [f"invalid answers: {error.errors}"]
        return outcome.expected_mismatches(self._evaluate(answers).to_json(self.rulebook), example.expect)

    def check_examples(self) -> None:
        """Run every rule file example; a mismatch means the rulebook contradicts itself."""
        for example in self.rulebook.examples:
            mismatches = self.example_mismatches(example)
            if mismatches:
                raise RulebookError(f"{example.file}: example {example.name}: {'; '.join(mismatches)}")

