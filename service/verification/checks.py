"""The invariants run over the screened cubes: each on every case, then those across cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..rulebook import URGENCIES, Rulebook, conditions
from ..rulebook.conditions import Condition
from ..screening.answer_space import FieldClasses, field_values
from ..screening.cubes import Cube, Partition
from .facts import DECISION_RANK, FACTS, SAFETY_QUESTIONS, UNKNOWN_DEFAULTS, derive, safety_mutations
from .invariants import PER_CASE
from .passes import OutcomeKey
from .report import Failure, Report, outline

Reach = dict[int, set[int]]
"""For one field: class -> the classes reached by adding a reason not to move, pain or youth."""


def _failure(report: Report, name: str, indices: list[int], detail: str) -> None:
    if indices:
        report.failures.append(Failure(name, len(indices), report.cases[indices[0]], detail))


def fact_vectors(partition: Partition, cube: Cube, facts: Sequence[Condition]) -> set[int]:
    """Every combination of facts (bit k: fact k holds) that some member of the cube shows.

    Each fact reads one field, so a member's facts are the union of what each of its fields'
    classes gives, and every combination of per-field choices is a member.
    """
    vectors = {0}
    for slot, (field, classes) in enumerate(zip(partition.space.fields, cube.classes, strict=True)):
        bits = [bit for bit, fact in enumerate(facts) if _reads(fact) == field.question.id]
        masks = {sum(1 << bit for bit in bits if conditions.holds(facts[bit], {field.question.id:
                                                                             partition.value(slot, index)}))
                 for index in classes}
        vectors = {vector | mask for vector in vectors for mask in masks}
    return vectors


def _reads(fact: Condition) -> str:
    (field,) = _fields_of(fact)
    return field


def check_invariants(report: Report) -> None:
    """Every registered invariant on every combination of facts of every cube, then determinism."""
    names = list(FACTS)
    facts = [conditions.parse(raw, report.rulebook.fields, {}) for raw in FACTS.values()]
    report.fact_sets = [fact_vectors(report.partition, cube, facts) for cube in report.partition.cubes]
    # An invariant reads only the facts and the response, so each distinct pair is checked once.
    pairs: dict[tuple[int, OutcomeKey], list[int]] = {}
    for index, (vectors, key) in enumerate(zip(report.fact_sets, report.run.outcomes, strict=True)):
        for vector in vectors:
            pairs.setdefault((vector, key), []).append(index)
    for check in PER_CASE.values():
        failing: set[int] = set()
        for (facts_mask, key), indices in pairs.items():
            known = {name: bool(facts_mask >> bit & 1) for bit, name in enumerate(names)}
            if not check.holds(known, report.run.bodies[key], report.rulebook):
                failing.update(indices)
        report.invariant_cases[check.name] = len(report.cases)
        ordered = sorted(failing)
        _failure(report, check.name, ordered, outline(report.run.body(ordered[0])) if ordered else "")
    report.invariant_cases["deterministic"] = len(report.cases)
    _failure(report, "deterministic", report.run.nondeterministic, "a second screening differed")


def _urgency(report: Report, index: int) -> int:
    urgency = report.run.body(index)["refer_urgency"]
    return -1 if urgency is None else URGENCIES.index(urgency)


def check_monotonic_safety(report: Report) -> None:
    """From every class, every added reason not to move, pain or youth: never better, never less referral."""
    partition = report.partition
    reach: dict[int, Reach] = {}
    for slot, field_classes in enumerate(partition.space.fields):
        targets = {index: {field_classes.class_of(value)
                           for value in safety_mutations(field_classes.question, partition.value(slot, index))}
                   for index in range(field_classes.size)}
        if any(targets.values()):
            _check_mutation_closure(report, field_classes, targets)
            reach[slot] = targets
    dependents = _dependent_slots(report.rulebook)
    failing: list[int] = []
    checked = 0
    for index, cube in enumerate(partition.cubes):
        rank, urgency = DECISION_RANK[report.run.outcomes[index][0]], _urgency(report, index)
        for slot, targets in reach.items():
            for source in cube.classes[slot]:
                if not targets[source]:
                    continue
                region = list(cube.classes)
                region[slot] = frozenset(targets[source])
                for dependent in dependents.get(slot, ()):  # a question the new answer shows: any answer to it
                    hidden = frozenset((partition.space.fields[dependent].class_of(None),))
                    if cube.classes[dependent] == hidden:
                        region[dependent] = frozenset(range(partition.space.fields[dependent].size))
                for other in partition.meeting(region):
                    checked += 1
                    if (DECISION_RANK[report.run.outcomes[other][0]] > rank
                            or _urgency(report, other) < urgency):
                        failing.append(index)
    report.invariant_cases["monotonic_safety"] = report.partition.classes
    _failure(report, "monotonic_safety", sorted(set(failing)), f"{checked:,} mutations compared")


def _dependent_slots(rulebook: Rulebook) -> dict[int, list[int]]:
    ids = [question.id for question in rulebook.questions]
    found: dict[int, list[int]] = {}
    for position, question in enumerate(rulebook.questions):
        for controller in question.show_if:
            found.setdefault(ids.index(controller), []).append(position)
    return found


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


def check_sex_on_tested_hips(report: Report) -> None:
    """With hip rotation tested, every other sex gets the same decision and referral."""
    partition = report.partition
    ids = [field.question.id for field in partition.space.fields]
    sex, hip_ir = ids.index("sex"), ids.index("hip_ir")
    tested = {index for index, value in enumerate(partition.space.fields[hip_ir].representatives)
              if value in ("limited", "normal")}
    failing = []
    for index, cube in enumerate(partition.cubes):
        mine = (report.run.outcomes[index][0], report.run.body(index)["refer_urgency"])
        for result in cube.classes[hip_ir] & tested:
            region = list(cube.classes)
            region[sex], region[hip_ir] = frozenset(range(partition.space.fields[sex].size)), frozenset((result,))
            if any((report.run.outcomes[other][0], report.run.body(other)["refer_urgency"]) != mine
                   for other in partition.meeting(region)):
                failing.append(index)
    report.invariant_cases["sex_never_changes_a_tested_decision"] = len(report.cases)
    _failure(report, "sex_never_changes_a_tested_decision", failing, "another sex, same tested hips")


def check_no_movement_answer_once_ruled_out(report: Report) -> None:
    """Where every member has a reason not to move, the movement answers change nothing."""
    partition, names = report.partition, list(FACTS)
    moving = [slot for slot, field in enumerate(partition.space.fields) if field.question.asks_to_move]
    failing = []
    for index, cube in enumerate(partition.cubes):
        if not all(_ruled_out(vector, names) for vector in report.fact_sets[index]):
            continue
        region = list(cube.classes)
        for slot in moving:
            region[slot] = frozenset(range(partition.space.fields[slot].size))
        if any(report.run.outcomes[other] != report.run.outcomes[index] for other in partition.meeting(region)):
            failing.append(index)
    report.invariant_cases["no_movement_answer_once_ruled_out"] = len(report.cases)
    _failure(report, "no_movement_answer_once_ruled_out", failing, "a movement answer changed the result")


def _ruled_out(vector: int, names: list[str]) -> bool:
    known = derive({name: bool(vector >> bit & 1) for bit, name in enumerate(names)})
    return known["red_flag"] or known["ruled_out_before_moving"]


def check_no_safety_default(report: Report) -> None:
    """Safety questions are required without a default; what else a referring rule reads defaults to unknown."""
    book = report.rulebook
    read_by_referrals = {atom for rule in book.rules if rule.refer for atom in _fields_of(rule.when)}
    wrong = [question.id for question in book.questions
             if (question.id in SAFETY_QUESTIONS and (not question.required or question.default is not None))
             or (question.id in read_by_referrals and question.id not in SAFETY_QUESTIONS and not question.required
                 and UNKNOWN_DEFAULTS.get(question.id) != question.default)]
    wrong += [name for name in SAFETY_QUESTIONS if name not in book.fields]
    report.invariant_cases["no_safety_answer_has_a_default"] = len(book.questions)
    if wrong:
        report.failures.append(Failure("no_safety_answer_has_a_default", len(wrong), {}, ", ".join(wrong)))


def _fields_of(condition: Condition) -> set[str]:
    stack, found = [condition], set()
    while stack:
        item = stack.pop()
        if isinstance(item, conditions.Atom):
            found.add(item.field)
        elif isinstance(item, conditions.Not):
            stack.append(item.item)
        elif isinstance(item, (conditions.AllOf, conditions.AnyOf)):
            stack.extend(item.items)
    return found
