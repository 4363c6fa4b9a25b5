"""The condition language of rule files, and its translation to durable-rules JSON.

A condition in YAML is one of:
  always                      matches every answer set
  {field: value, ...}         every listed field test holds (a plain value means equality)
  {all: [c, ...]}  {any: [c, ...]}  {not: c}  {ref: name}

Field tests: a plain value (equality), or one of {eq, ne, in, gte, gt, lte, lt} for
single-choice, boolean and integer questions, {given: bool} for optional integers, and
{has, has_any, has_none, empty} for multi-choice questions.

Answers reach durable-rules as a flat fact (see `flatten`): lists become one boolean per
option plus a count, and an unanswered optional integer is left out and flagged with
`<field>__given: false`. The translation never uses durable-rules' `$ex`/`$nex`
operators: in 2.0.28 they hang the process (see docs/engine-notes.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .questions import Question

ANSWERS_KIND = "answers"
"""Every fact carries kind=answers, so `always` compiles to a test every fact passes."""


class ConditionError(ValueError):
    """A condition in a rule file is malformed or names something that does not exist."""


@dataclass(frozen=True)
class Always:
    pass


@dataclass(frozen=True)
class Atom:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Always | Atom | AllOf | AnyOf | Not

def parse(raw: Any, fields: Mapping[str, Question], named: Mapping[str, Condition]) -> Condition:
    """Turn a YAML condition into a checked condition tree."""
    if raw == "always":
        return Always()
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError(f"a condition must be 'always' or a non-empty mapping, got {raw!r}")
    parts: list[Condition] = []
    for key, value in raw.items():
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ConditionError(f"'{key}' needs a non-empty list of conditions")
            items = tuple(parse(item, fields, named) for item in value)
            parts.append(AllOf(items) if key == "all" else AnyOf(items))
        elif key == "not":
            inner = parse(value, fields, named)
            if isinstance(inner, Always):
                raise ConditionError("'not: always' never matches")
            parts.append(Not(inner))
        elif key == "ref":
            if value not in named:
                raise ConditionError(f"unknown named condition {value!r}")
            parts.append(named[value])
        elif key in fields:
            parts.append(_parse_field_test(fields[key], value))
        else:
            raise ConditionError(f"unknown field or keyword {key!r}")
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _parse_field_test(question: Question, raw: Any) -> Condition:
    if not isinstance(raw, Mapping):
        raw = {"eq": raw}
    if len(raw) != 1:
        raise ConditionError(f"{question.id}: write one test per mapping, got {dict(raw)!r}")
    ((op, value),) = raw.items()
    if op not in question.kind.ops:
        raise ConditionError(f"{question.id}: test {op!r} does not apply to a {question.type} question")
    if op == "given":
        if not question.nullable:
            raise ConditionError(f"{question.id}: 'given' applies only to optional integers")
        _require_bool(question, op, value)
        return Atom(question.id, op, value)
    if op == "empty":
        _require_bool(question, op, value)
        return Atom(question.id, op, value)
    if op in ("in", "has_any", "has_none"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"{question.id}: '{op}' needs a non-empty list")
        for item in value:
            question.kind.check_value(question, item)
        atoms = tuple(Atom(question.id, "has" if op != "in" else "eq", item) for item in value)
        joined: Condition = atoms[0] if len(atoms) == 1 else AnyOf(atoms)
        return Not(joined) if op == "has_none" else joined
    question.kind.check_value(question, value)
    if op == "ne":
        return Not(Atom(question.id, "eq", value))
    return Atom(question.id, op, value)


def _require_bool(question: Question, op: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConditionError(f"{question.id}: '{op}' takes true or false, got {value!r}")


def flatten(answers: Mapping[str, Any], fields: Mapping[str, Question]) -> dict[str, Any]:
    """The fact durable-rules sees for a set of validated, defaulted answers."""
    fact: dict[str, Any] = {"kind": ANSWERS_KIND}
    for question in fields.values():
        question.kind.add_facts(question, answers.get(question.id), fact)
    return fact


_NEGATED = {"gte": "lt", "gt": "lte", "lte": "gt", "lt": "gte"}


def to_durable(condition: Condition, fields: Mapping[str, Question]) -> dict[str, Any]:
    """durable-rules JSON for a condition; `not` is pushed down to the field tests."""
    return _compile(condition, fields, negate=False)


def _compile(cond: Condition, fields: Mapping[str, Question], negate: bool) -> dict[str, Any]:
    if isinstance(cond, Always):
        return {"kind": ANSWERS_KIND}
    if isinstance(cond, Not):
        return _compile(cond.item, fields, not negate)
    if isinstance(cond, (AllOf, AnyOf)):
        conjunction = isinstance(cond, AllOf) != negate
        items = [_compile(item, fields, negate) for item in cond.items]
        return {"$and" if conjunction else "$or": items}
    return _compile_atom(cond, fields[cond.field], negate)


def _compile_atom(atom: Atom, question: Question, negate: bool) -> dict[str, Any]:
    name, op, value = atom.field, atom.op, atom.value
    if op == "has":
        return {f"{name}__{value}": not negate}
    if op == "empty":
        is_empty = value != negate
        return {f"{name}__count": 0} if is_empty else {"$gt": {f"{name}__count": 0}}
    if op == "given":
        return {f"{name}__given": value != negate}
    if op == "eq":
        test: dict[str, Any] = {"$neq": {name: value}} if negate else {name: value}
    else:
        test = {"$" + (_NEGATED[op] if negate else op): {name: value}}
    if question.nullable:
        given = {f"{name}__given": True}
        test = {"$or": [{f"{name}__given": False}, {"$and": [given, test]}]} if negate else {"$and": [given, test]}
    return test


def holds(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """Whether a condition is true for validated, defaulted answers.

    The reference meaning of the condition language. Screenings are decided by
    durable-rules, never by this; the verification proves that both agree, and reasons
    about which answers the rules can tell apart with `residual`.
    """
    result = residual(condition, answers)
    assert isinstance(result, bool)
    return result


Residual = Condition | bool


def residual(condition: Condition, answers: Mapping[str, Any]) -> Residual:
    """What is left of a condition once the fields in `answers` are known.

    Tests on the given fields become True or False and are simplified away; tests on the
    other fields stay. Two answers to one field that leave the same residual of every
    condition cannot be told apart by those conditions, whatever the other answers are.
    """
    if isinstance(condition, Always):
        return True
    if isinstance(condition, Atom):
        return atom_holds(condition, answers[condition.field]) if condition.field in answers else condition
    if isinstance(condition, Not):
        inner = residual(condition.item, answers)
        return (not inner) if isinstance(inner, bool) else Not(inner)
    decisive = isinstance(condition, AnyOf)  # True settles an `any`, False settles an `all`
    left: list[Condition] = []
    for item in condition.items:
        reduced = residual(item, answers)
        if reduced is decisive:
            return decisive
        if not isinstance(reduced, bool):
            left.append(reduced)
    if not left:
        return not decisive
    if len(left) == 1:
        return left[0]
    return AnyOf(tuple(left)) if decisive else AllOf(tuple(left))


def atom_holds(atom: Atom, value: Any) -> bool:
    """One field test on one validated answer (None: an optional integer not given)."""
    op, expected = atom.op, atom.value
    if op == "has":
        return bool(expected in value)
    if op == "empty":
        return bool((len(value) == 0) == expected)
    if op == "given":
        return bool((value is not None) == expected)
    if value is None:
        return False  # like the compiled test: only a given integer compares
    if op == "eq":
        return bool(type(value) is type(expected) and value == expected)
    comparisons = {"gte": value >= expected, "gt": value > expected, "lte": value <= expected, "lt": value < expected}
    return bool(comparisons[op])


def durable_properties(durable_condition: Mapping[str, Any]) -> set[str]:
    """The fact properties a compiled durable-rules condition reads."""
    names: set[str] = set()
    for key, value in durable_condition.items():
        if key in ("$and", "$or"):
            for item in value:
                names |= durable_properties(item)
        elif key.startswith("$"):
            names |= set(value)
        else:
            names.add(key)
    return names


def fact_properties(question: Question) -> set[str]:
    """The fact properties `flatten` writes for one question."""
    return question.kind.fact_properties(question)
