"""The answer space, cut into classes of answers that no rule condition can tell apart.

Every condition is built from field tests (`conditions.Atom`). Two values of a field that
give every test on that field the same truth value are interchangeable for the rules, so
each field splits into a few classes:

- single choice and boolean: one class per value a test names, plus one for all others;
- integer: the intervals between the thresholds the tests use, plus "unanswered";
- multi choice: options that only ever appear side by side in the same `any` lists form a
  group, and only "some of the group chosen or not" matters; options no test names matter
  only through `empty`.

`check_exact` proves, over every valid answer to every field, that no condition tells two
answers of one class apart, and finds classes that no condition tells apart either.

A field no rule reads has one class. The product of the classes is finite and small, so
every case can be run through the real engine (the verification suite does), and the
class of a set of answers is an exact key for anything that depends only on the matched
rules (the outcome cache does).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..rulebook import Question, Rule, Rulebook
from ..rulebook.conditions import AllOf, AnyOf, Atom, Condition, Not, residual


@dataclass(frozen=True)
class FieldClasses:
    """How one question's answers fall into classes, with one representative per class."""

    question: Question
    representatives: tuple[Any, ...]
    kind: str
    # values: value -> class; range: sorted cut points;
    # subsets: the option groups whose presence matters, and the "other options" flag.
    value_class: Mapping[Any, int] | None = None
    cuts: tuple[int, ...] = ()
    groups: tuple[frozenset[str], ...] = ()
    others_matter: bool = False

    def class_of(self, value: Any) -> int:
        return self.classify(value)

    @cached_property
    def classify(self) -> Callable[[Any], int]:
        """`class_of` as a function made for this field: it runs for every field of every request."""
        last = len(self.representatives) - 1
        if self.kind == "values":
            assert self.value_class is not None
            get = self.value_class.get
            return lambda value: get(value, last)
        if self.kind == "range":
            cuts, unanswered = self.cuts, last if self.question.nullable else 0
            return lambda value: unanswered if value is None else bisect.bisect_right(cuts, value)
        if self.kind == "subsets":
            # Bit k is set when an option of group k is chosen; the next bit, when any other is.
            bit_of = {option: 1 << k for k, group in enumerate(self.groups) for option in group}
            other_bit = 1 << len(self.groups) if self.others_matter else 0

            def chosen_groups(value: Any) -> int:
                bits = 0
                for option in value or ():
                    bits |= bit_of.get(option, other_bit)
                return bits

            return chosen_groups
        return lambda value: 0

    @property
    def size(self) -> int:
        return len(self.representatives)


@dataclass(frozen=True)
class AnswerSpace:
    """The classes of every question, for the conditions of a chosen set of rules."""

    fields: tuple[FieldClasses, ...]

    @property
    def size(self) -> int:
        total = 1
        for field_classes in self.fields:
            total *= field_classes.size
        return total

    def key(self, answers: Mapping[str, Any]) -> tuple[int, ...]:
        """The class of a set of validated, defaulted answers."""
        return tuple(f.class_of(answers.get(f.question.id)) for f in self.fields)

    def index(self, answers: Mapping[str, Any]) -> int:
        """The class as one number in range(size): `key` read as a mixed-radix numeral."""
        index = 0
        for question_id, size, classify in self._digits:
            index = index * size + classify(answers.get(question_id))
        return index

    @cached_property
    def _digits(self) -> tuple[tuple[str, int, Callable[[Any], int]], ...]:
        # A field with one class adds nothing to the index.
        return tuple((f.question.id, f.size, f.classify) for f in self.fields if f.size > 1)

    def cases(self, fixed: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """One representative answer set per class; `fixed` answers are kept as given."""
        fixed = fixed or {}
        choices: list[Sequence[Any]] = [
            (fixed[f.question.id],) if f.question.id in fixed else f.representatives for f in self.fields
        ]
        names = [f.question.id for f in self.fields]
        for values in itertools.product(*choices):
            yield dict(zip(names, values, strict=True))

    def class_keys(self, fixed: Mapping[str, Any] | None = None) -> Iterator[tuple[int, ...]]:
        """The class key of each case `cases(fixed)` yields, in the same order."""
        fixed = fixed or {}
        choices: list[Iterable[int]] = [
            (f.class_of(fixed[f.question.id]),) if f.question.id in fixed else range(f.size) for f in self.fields
        ]
        return itertools.product(*choices)

    def field(self, question_id: str) -> FieldClasses:
        return next(f for f in self.fields if f.question.id == question_id)


def build(rulebook: Rulebook, rules: Iterable[Rule] | None = None, extra: Iterable[Condition] = ()) -> AnswerSpace:
    """Partition every question by the field tests in `rules` (all rules by default) and in `extra`."""
    chosen = tuple(rulebook.rules if rules is None else rules)
    atoms: dict[str, list[Atom]] = {}
    any_nodes: list[AnyOf] = []
    for condition in (*(rule.when for rule in chosen), *extra):
        _walk(condition, atoms, any_nodes)
    return AnswerSpace(tuple(_classes(q, atoms.get(q.id, []), any_nodes) for q in rulebook.questions))


def _walk(condition: Condition, atoms: dict[str, list[Atom]], any_nodes: list[AnyOf]) -> None:
    if isinstance(condition, Atom):
        atoms.setdefault(condition.field, []).append(condition)
    elif isinstance(condition, (AllOf, AnyOf)):
        if isinstance(condition, AnyOf):
            any_nodes.append(condition)
        for item in condition.items:
            _walk(item, atoms, any_nodes)
    elif isinstance(condition, Not):
        _walk(condition.item, atoms, any_nodes)


def _classes(question: Question, atoms: list[Atom], any_nodes: list[AnyOf]) -> FieldClasses:
    if not atoms:
        unread = question.default if not question.required else question.kind.values(question)[0]
        return FieldClasses(question, (unread,), kind="unread")
    partition = question.kind.partition
    if partition == "values":
        return _single(question, atoms)
    if partition == "range":
        return _integer(question, atoms)
    return _multi(question, atoms, any_nodes)


def _single(question: Question, atoms: list[Atom]) -> FieldClasses:
    values = question.kind.values(question)
    named = {atom.value for atom in atoms}
    representatives = [value for value in values if value in named]
    value_class = {value: index for index, value in enumerate(representatives)}
    others = [value for value in values if value not in named]
    if others:
        representatives.append(others[0])
    return FieldClasses(question, tuple(representatives), kind="values", value_class=value_class)


_CUT = {"gte": 0, "lt": 0, "gt": 1, "lte": 1}


def _integer(question: Question, atoms: list[Atom]) -> FieldClasses:
    assert question.minimum is not None and question.maximum is not None
    cuts: set[int] = set()
    for atom in atoms:
        if atom.op == "eq":
            cuts.update((atom.value, atom.value + 1))
        elif atom.op in _CUT:
            cuts.add(atom.value + _CUT[atom.op])
    inner = tuple(sorted(cut for cut in cuts if question.minimum < cut <= question.maximum))
    representatives: list[Any] = [question.minimum, *inner]
    if question.nullable:
        representatives.append(None)
    return FieldClasses(question, tuple(representatives), kind="range", cuts=inner)


def _multi(question: Question, atoms: list[Atom], any_nodes: list[AnyOf]) -> FieldClasses:
    has_atoms = [atom for atom in atoms if atom.op == "has"]
    named = [o.value for o in question.options if any(atom.value == o.value for atom in has_atoms)]
    # An option's signature: the `any` lists it sits in directly, or itself when it is
    # ever tested outside an `any` list (then it cannot share a class with another).
    signatures: dict[str, Any] = {}
    for option in named:
        atom = Atom(question.id, "has", option)
        parents = frozenset(i for i, node in enumerate(any_nodes) if atom in node.items)
        occurrences = sum(1 for a in has_atoms if a == atom)
        direct = sum(sum(1 for item in node.items if item == atom) for node in any_nodes)
        signatures[option] = parents if occurrences == direct else ("alone", option)
    groups: list[frozenset[str]] = []
    for signature in dict.fromkeys(signatures.values()):
        groups.append(frozenset(option for option in named if signatures[option] == signature))
    others = [o.value for o in question.options if o.value not in named]
    others_matter = bool(others) and any(atom.op == "empty" for atom in atoms)
    width = len(groups) + others_matter
    representatives = []
    for class_index in range(1 << width):  # bit k set = group k chosen, as in class_of
        flags = [bool(class_index >> bit & 1) for bit in range(width)]
        chosen = {_first(group, question) for group, flag in zip(groups, flags[: len(groups)], strict=True) if flag}
        if others_matter and flags[-1]:
            chosen.add(others[0])
        representatives.append([o.value for o in question.options if o.value in chosen])
    return FieldClasses(
        question, tuple(representatives), kind="subsets", groups=tuple(groups), others_matter=others_matter
    )


def _first(group: frozenset[str], question: Question) -> str:
    return next(o.value for o in question.options if o.value in group)


def field_values(question: Question) -> tuple[Any, ...]:
    """Every valid answer to one question: finite, since integers are bounded and lists unique."""
    return question.kind.values(question)


@dataclass(frozen=True)
class Exactness:
    """The outcome of checking a partition against conditions, answer by answer."""

    values_checked: int
    problems: tuple[str, ...]
    """Two answers in one class that some condition tells apart: the partition is wrong."""
    redundant: tuple[str, ...]
    """Two classes that no condition tells apart: correct, but the space is larger than needed."""
    alike: tuple[tuple[int, ...], ...] = ()
    """Per field, per class: the first class that no condition tells apart from it (often itself)."""


def check_exact(space: AnswerSpace, conditions: Mapping[str, Condition]) -> Exactness:
    """Prove, field by field over every valid answer, that each class is one for `conditions`.

    For one field, an answer leaves a residual of every condition (the condition with that
    field's tests decided). Equal residuals mean no answer to the other fields can make the
    conditions tell the two answers apart; changing one field at a time, answers with equal
    class keys are then alike for every condition.
    """
    problems: list[str] = []
    redundant: list[str] = []
    alike: list[tuple[int, ...]] = []
    checked = 0
    for field_classes in space.fields:
        question = field_classes.question
        seen: dict[int, tuple[Any, tuple[Any, ...]]] = {}
        for value in field_values(question):
            checked += 1
            leftover = tuple(residual(condition, {question.id: value}) for condition in conditions.values())
            index = field_classes.class_of(value)
            if not 0 <= index < field_classes.size:
                problems.append(f"{question.id}: {value!r} falls in no class")
                continue
            first = seen.setdefault(index, (value, leftover))
            if first[1] != leftover:
                differing = [name for name, a, b in zip(conditions, first[1], leftover, strict=True) if a != b]
                problems.append(
                    f"{question.id}: {first[0]!r} and {value!r} share class {index}, "
                    f"but {', '.join(differing)} tell them apart"
                )
        if len(seen) < field_classes.size:
            problems.append(f"{question.id}: {field_classes.size - len(seen)} class(es) hold no answer")
        by_leftover: dict[tuple[Any, ...], int] = {}
        for index, (_, leftover) in sorted(seen.items()):
            if leftover in by_leftover:
                redundant.append(f"{question.id}: classes {by_leftover[leftover]} and {index} are never told apart")
            by_leftover.setdefault(leftover, index)
        alike.append(tuple(by_leftover.get(seen[index][1], index) if index in seen else index
                           for index in range(field_classes.size)))
    return Exactness(checked, tuple(problems), tuple(redundant), tuple(alike))
