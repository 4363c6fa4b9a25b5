"""Cut the answer space into cubes: sets of answer classes that one screening stands for.

`answer_space` cuts each field into classes that no rule tells apart anywhere. Given the
answers before it, a field often has fewer classes that matter: once a red flag is known,
nothing after it changes the outcome. A cube fixes a set of classes per field. It is built
field by field in questionnaire order: once the earlier fields are fixed, the classes of the
next field that leave the same residual of every rule that can still take effect are one
branch. A rule can no longer take effect when an earlier rule of its group holds for
certain (precedence), or when the decision is settled and the rule does not apply to it
(`outcome.resolve`). So the outcome is the same for every member of a cube, and screening
its representative through the engine screens them all. Answers that show a question and
answers that hide it are never in one cube: a hidden question takes only its unanswered class,
and a required one that is shown never takes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..rulebook import DECISION_GROUP, Rule, Rulebook, conditions
from ..rulebook.conditions import Condition, Residual, residual
from .answer_space import AnswerSpace, FieldClasses

Region = Sequence[frozenset[int]]
"""Per field of the space, a set of classes."""


@dataclass(frozen=True)
class Cube:
    case: Mapping[str, Any]
    """The representative answers that get screened."""
    classes: tuple[frozenset[int], ...]
    """Per field of the space, the classes the cube stands for."""

    @property
    def size(self) -> int:
        return math.prod(len(classes) for classes in self.classes)


@dataclass(frozen=True)
class _Node:
    slot: int
    branches: tuple[tuple[frozenset[int], _Node | int], ...]


class Partition:
    """The cubes of an answer space, and which cubes a region of classes meets."""

    def __init__(self, rulebook: Rulebook, space: AnswerSpace, fixed: Mapping[str, Any] | None = None) -> None:
        self.rulebook, self.space = rulebook, space
        self.cubes: list[Cube] = []
        self._fixed = dict(fixed or {})
        self._shown = {q.id: q.show_condition for q in rulebook.questions if q.show_condition is not None}
        start: dict[str, Residual] = {rule.id: rule.when for rule in rulebook.rules}
        # Answers that show a question and answers that hide it are never one branch.
        start.update({f"show_if {question_id}": condition for question_id, condition in self._shown.items()})
        self._order = _field_order(rulebook, space)
        self._root = self._split({}, 0, [frozenset()] * len(space.fields), start)

    @property
    def classes(self) -> int:
        """How many answer classes the cubes stand for (the valid classes of the space)."""
        return sum(cube.size for cube in self.cubes)

    def meeting(self, region: Region) -> list[int]:
        """The cubes that share at least one class key with `region`."""
        found: list[int] = []
        self._meet(self._root, region, found)
        return found

    def _meet(self, node: _Node | int, region: Region, found: list[int]) -> None:
        if isinstance(node, int):
            found.append(node)
            return
        for classes, child in node.branches:
            if classes & region[node.slot]:
                self._meet(child, region, found)

    def _split(self, case: dict[str, Any], slot: int, chosen: list[frozenset[int]],
               residuals: dict[str, Residual]) -> _Node | int:
        if slot == len(self._order):
            self.cubes.append(Cube(dict(case), tuple(chosen)))
            return len(self.cubes) - 1
        position = self._order[slot]
        field = self.space.fields[position]
        live = [rule.id for rule in _live_rules(self.rulebook, residuals)]
        live += [key for key in residuals if key.startswith("show_if ")]
        branches: dict[tuple[Residual, ...], list[int]] = {}
        after: dict[int, dict[str, Residual]] = {}
        for index in self._valid(field, case):
            answer = {field.question.id: self._value(field, index)}
            after[index] = {rule_id: _reduce(value, answer) for rule_id, value in residuals.items()}
            branches.setdefault(tuple(after[index][key] for key in live), []).append(index)
        out = []
        for indices in branches.values():
            first = indices[0]
            case[field.question.id] = self._value(field, first)
            chosen[position] = frozenset(indices)
            out.append((frozenset(indices), self._split(case, slot + 1, chosen, after[first])))
        del case[field.question.id]
        return _Node(position, tuple(out))

    def region(self, given: Mapping[str, Any]) -> list[frozenset[int]]:
        """The classes of these answers: a given answer's class, every class of the others."""
        return [frozenset((field.class_of(given[field.question.id]),)) if field.question.id in given
                else frozenset(range(field.size)) for field in self.space.fields]

    def value(self, slot: int, index: int) -> Any:
        """The answer that stands for class `index` of field `slot`."""
        return self._value(self.space.fields[slot], index)

    def _value(self, field: FieldClasses, index: int) -> Any:
        question_id = field.question.id
        return self._fixed[question_id] if question_id in self._fixed else field.representatives[index]

    def _valid(self, field: FieldClasses, case: Mapping[str, Any]) -> list[int]:
        question = field.question
        if question.id in self._fixed:
            return [field.class_of(self._fixed[question.id])]
        every = list(range(field.size))
        shown = self._shown.get(question.id)
        if shown is None:
            return every
        unanswered = field.class_of(None)
        if not conditions.holds(shown, case):
            return [unanswered]
        return [index for index in every if index != unanswered] if question.required else every


def _field_order(rulebook: Rulebook, space: AnswerSpace) -> list[int]:
    """Fields that decide early first, so that a settled decision prunes the most.

    A field is ranked by the first decision rule that reads it (then the questionnaire's
    order); a question comes after every question its show_if reads. Any order is sound.
    """
    deciding = [rule for rule in rulebook.rules if rule.group == DECISION_GROUP]
    ids = [field.question.id for field in space.fields]

    def rank(position: int) -> tuple[int, int]:
        first = next((at for at, rule in enumerate(deciding) if ids[position] in _fields(rule.when)), len(deciding))
        return first, position

    order: list[int] = []
    for position in sorted(range(len(ids)), key=rank):
        shown = rulebook.fields[ids[position]].show_condition
        for controller in sorted(_fields(shown) if shown is not None else ()):
            if ids.index(controller) not in order:
                order.append(ids.index(controller))
        if position not in order:
            order.append(position)
    return order


def _reduce(value: Residual, answer: Mapping[str, Any]) -> Residual:
    return value if isinstance(value, bool) else residual(value, answer)


def _live_rules(rulebook: Rulebook, residuals: Mapping[str, Residual]) -> list[Rule]:
    """The rules that may still take effect for some answers that complete these."""
    decided = _settled_decision(rulebook, residuals)
    live: list[Rule] = []
    settled_groups: set[str] = set()
    for rule in rulebook.rules:
        value = residuals[rule.id]
        if value is False or rule.group in settled_groups:
            continue
        if rule.group != DECISION_GROUP and decided is not None and not rule.applies(decided):
            continue
        live.append(rule)
        certain = rule.applies_to is None or decided is not None
        if value is True and rule.group and certain:
            settled_groups.add(rule.group)
    return live


def _settled_decision(rulebook: Rulebook, residuals: Mapping[str, Residual]) -> str | None:
    for rule in rulebook.rules:
        if rule.group != DECISION_GROUP or residuals[rule.id] is False:
            continue
        return rule.decision if residuals[rule.id] is True else None
    return None


def _fields(condition: Condition) -> set[str]:
    if isinstance(condition, conditions.Atom):
        return {condition.field}
    if isinstance(condition, conditions.Not):
        return _fields(condition.item)
    if isinstance(condition, (conditions.AllOf, conditions.AnyOf)):
        return set().union(*(_fields(item) for item in condition.items))
    return set()
