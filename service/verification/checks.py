"""The invariants run over the screened cases: each on every case, then those across cases."""

from __future__ import annotations

from collections.abc import Mapping

from ..screening.answer_space import AnswerSpace, FieldClasses, field_values
from .facts import DECISION_RANK, FACTS, safety_mutations
from .invariants import PER_CASE
from .passes import OutcomeKey
from .report import Failure, Report, outline

Reach = dict[int, set[int]]
"""For one field: class -> the classes reached by adding a contraindication or pain."""


def _failure(report: Report, name: str, indices: list[int], detail: str) -> None:
    if indices:
        report.failures.append(Failure(name, len(indices), report.cases[indices[0]], detail))


def check_invariants(report: Report) -> None:
    """Every registered invariant on every case, then whether the second pass agreed with the first."""
    names = list(FACTS)
    # An invariant reads only the facts and the response, so each distinct pair is checked once.
    pairs: dict[tuple[int, OutcomeKey], list[int]] = {}
    for index, pair in enumerate(zip(report.run.facts, report.run.outcomes, strict=True)):
        pairs.setdefault(pair, []).append(index)
    for check in PER_CASE.values():
        failing: list[int] = []
        for (facts_mask, key), indices in pairs.items():
            facts = {name: bool(facts_mask >> bit & 1) for bit, name in enumerate(names)}
            if not check.holds(facts, report.run.bodies[key], report.rulebook):
                failing.extend(indices)
        report.invariant_cases[check.name] = len(report.cases)
        failing.sort()
        _failure(report, check.name, failing, outline(report.run.body(failing[0])) if failing else "")
    report.invariant_cases["deterministic"] = len(report.cases)
    _failure(report, "deterministic", report.run.nondeterministic, "a second screening differed")


def check_monotonic_safety(report: Report, space: AnswerSpace) -> None:
    """From every class, every added contraindication or pain: never a higher rank, never less referral."""
    reach: dict[int, Reach] = {}
    for slot, field_classes in enumerate(space.fields):
        targets = {
            index: {field_classes.class_of(value) for value in safety_mutations(field_classes.question, representative)}
            for index, representative in enumerate(field_classes.representatives)
        }
        if any(targets.values()):
            _check_mutation_closure(report, field_classes, targets)
            reach[slot] = targets
    known = set(report.classes)
    failing: list[int] = []
    checked = outside = 0
    for key in report.classes:
        index = report.case_of(key)
        decision, refer, _ = report.run.outcomes[index]
        for slot, targets in reach.items():
            for target in targets[key[slot]]:
                mutated = (*key[:slot], target, *key[slot + 1:])
                if mutated not in known:
                    outside += 1
                    continue
                checked += 1
                worse_decision, worse_refer, _ = report.run.outcomes[report.case_of(mutated)]
                if DECISION_RANK[worse_decision] > DECISION_RANK[decision] or (refer and not worse_refer):
                    failing.append(index)
    report.mutations_outside = outside
    report.invariant_cases["monotonic_safety"] = len(report.classes)
    _failure(report, "monotonic_safety", sorted(set(failing)),
             f"{checked:,} mutations from {len(report.classes):,} classes compared")


def _check_mutation_closure(report: Report, field_classes: FieldClasses, targets: Mapping[int, set[int]]) -> None:
    """Mutating any answer reaches only classes that mutating its class representative reaches.

    So checking the mutations of representatives covers the mutations of every answer.
    """
    question = field_classes.question
    for value in field_values(question):
        reached = {field_classes.class_of(mutated) for mutated in safety_mutations(question, value)}
        if not reached <= targets[field_classes.class_of(value)]:
            report.proof.problems.append(
                f"{question.id}: mutations of {value!r} reach classes its representative's do not")
