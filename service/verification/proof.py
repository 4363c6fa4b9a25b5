"""Proof that the answer classes are exact, and that durable-rules reads nothing they miss.

Per field, over every valid answer, no rule condition and no invariant fact tells two
answers of one class apart (`answer_space.check_exact`); each field test, and its negation,
agrees with durable-rules on every answer to its field; and the compiled conditions read no
fact property outside the fields the classes account for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from ..rulebook import Rule, Rulebook, conditions
from ..rulebook.conditions import AllOf, AnyOf, Atom, Condition, Not
from ..screening import answer_space
from ..screening.answer_space import AnswerSpace
from ..screening.engine import Engine
from .facts import FACTS

ClassKey = tuple[int, ...]


@dataclass
class Proof:
    exactness: answer_space.Exactness
    problems: list[str]
    unread_fields: list[str]
    atom_tests: int


def prove_exact(rulebook: Rulebook, space: AnswerSpace) -> Proof:
    """The classes are exact for every rule and fact, and durable-rules reads nothing else."""
    facts = {f"fact {name}": conditions.parse(raw, rulebook.fields, {}) for name, raw in FACTS.items()}
    checked = {**{f"rule {rule.id}": rule.when for rule in rulebook.rules}, **facts}
    exactness = answer_space.check_exact(space, checked)
    problems = [*exactness.problems, *_unaccounted_reads(rulebook, space)]
    atom_problems, atom_tests = _atoms_agree_with_engine(rulebook, space, [*checked.values()])
    problems.extend(atom_problems)
    unread = [f.question.id for f in space.fields if f.kind == "unread"]
    return Proof(exactness, problems, unread, atom_tests)


def _unaccounted_reads(rulebook: Rulebook, space: AnswerSpace) -> list[str]:
    """Fact properties the compiled conditions read that no answer sets, or that the classes ignore."""
    owner = {prop: spec.id for spec in rulebook.fields.values() for prop in conditions.fact_properties(spec)}
    owner["kind"] = ""  # the catch-all rule's test, set on every fact
    problems: list[str] = []
    read_by_engine: set[str] = set()
    for rule in rulebook.rules:
        for prop in conditions.durable_properties(rule.durable_condition):
            if prop not in owner:
                problems.append(f"rule {rule.id}: durable-rules reads {prop!r}, which no answer sets")
            elif owner[prop]:
                read_by_engine.add(owner[prop])
    read_by_classes = {f.question.id for f in space.fields if f.kind != "unread"}
    for name in sorted(read_by_engine - read_by_classes):
        problems.append(f"{name}: durable-rules reads it, but the answer space treats it as unread")
    return problems


def _atoms(condition: Condition) -> Iterable[Atom]:
    if isinstance(condition, Atom):
        yield condition
    elif isinstance(condition, Not):
        yield from _atoms(condition.item)
    elif isinstance(condition, (AllOf, AnyOf)):
        for item in condition.items:
            yield from _atoms(item)


def _probe_rules(rulebook: Rulebook, checked: list[Condition]) -> tuple[Rule, ...]:
    """One rule per field test and one per its negation, named `atom_<n>[_negated]`."""
    atoms = list(dict.fromkeys(atom for condition in checked for atom in _atoms(condition)))
    tests: dict[str, Condition] = {}
    for number, atom in enumerate(atoms):
        tests[f"atom_{number}"] = atom
        tests[f"atom_{number}_negated"] = Not(atom)
    return tuple(
        Rule(id=name, file="(verification)", source="general", reason=name, when=test,
             durable_condition=conditions.to_durable(test, rulebook.fields))
        for name, test in tests.items()
    )


def _atoms_agree_with_engine(rulebook: Rulebook, space: AnswerSpace,
                             checked: list[Condition]) -> tuple[list[str], int]:
    """Every field test, and its negation, on every answer to its field, through durable-rules."""
    probes = _probe_rules(rulebook, checked)
    engine = Engine(dataclasses.replace(rulebook, rules=probes))
    base = next(space.cases())
    problems: list[str] = []
    count = 0
    for question in rulebook.questions:
        own = {probe.id: probe.when for probe in probes if next(iter(_atoms(probe.when))).field == question.id}
        for value in answer_space.field_values(question):
            facts = conditions.flatten({**base, question.id: value}, rulebook.fields)
            matched = engine.matching_rules(facts) & set(own)
            expected = {name for name, test in own.items() if conditions.holds(test, {question.id: value})}
            count += len(own)
            for name in sorted(matched ^ expected):
                problems.append(f"{question.id} = {value!r}: durable-rules and the condition language disagree "
                                f"on {own[name]}")
    return problems, count
