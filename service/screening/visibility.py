"""`show_if` over answer classes, for the preview: `Rulebook.shown`'s meaning, per class.

The preview's answer space tells apart every answer a show_if test tells apart
(`show_if_conditions`), so whether a question is shown is a test on its controllers' classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rulebook import Rulebook
from ..rulebook.conditions import Condition, holds
from .answer_space import AnswerSpace


@dataclass(frozen=True)
class Visibility:
    """When a conditional question is shown, in terms of its controllers' classes."""

    shown_when: tuple[tuple[int, frozenset[int]], ...]
    """(index of a controlling question, the classes of it that show this one), all must hold;
    a controller's own tests are included, since a question behind a hidden one is hidden."""
    default_class: int | None
    """The class of the default a hidden, unanswered question keeps; None when it has none."""

    def shown(self, classes: Sequence[int]) -> bool:
        return all(classes[index] in showing for index, showing in self.shown_when)


def show_if_conditions(book: Rulebook) -> list[Condition]:
    """Each show_if as a condition, so that the answer space tells its values apart."""
    return [question.show_condition for question in book.questions if question.show_condition is not None]


def visibility(book: Rulebook, space: AnswerSpace) -> dict[int, Visibility]:
    """Per conditional question (by index): when it is shown."""
    ids = [question.id for question in book.questions]
    rules: dict[int, Visibility] = {}
    for index, question in enumerate(book.questions):
        if not question.show_if:
            continue
        shown_when: list[tuple[int, frozenset[int]]] = []
        for controller, test in question.show_if.items():
            at = ids.index(controller)
            if at in rules:  # controllers come first in the questionnaire
                shown_when.extend(rules[at].shown_when)
            representatives = space.field(controller).representatives
            shown_when.append((at, frozenset(position for position, value in enumerate(representatives)
                                              if holds(test, {controller: value}))))
        default_class = None if question.required else space.fields[index].class_of(question.default)
        rules[index] = Visibility(tuple(dict.fromkeys(shown_when)), default_class)
    return rules


def dependents(book: Rulebook) -> tuple[tuple[int, ...], ...]:
    """Per question: the questions whose showing depends on it, directly or not, in order."""
    ids = [question.id for question in book.questions]
    return tuple(tuple(ids.index(other) for other in book.controls(question.id)) for question in book.questions)
