"""Verify the rulebook over its whole answer space, through the real engine.

`python -m service.verification` screens answers covering every class of answers
(`answer_space`) with durable-rules, twice, and prints a report. Classes that no rule
and no invariant fact tells apart (`Exactness.alike`) are covered by one screening:

- proof that the classes are exact: per field, over every valid answer, no rule condition
  and no invariant fact tells two answers of one class apart (`answer_space.check_exact`);
  each field test agrees with durable-rules on every answer to its field; the compiled
  conditions read no fact property outside the fields the classes account for; and on
  every case durable-rules matches exactly the rules whose conditions hold;
- every invariant of `invariants`, on every case, with a failing example if any;
- coverage: rule -> cases it matches and takes effect on, every decision, caution,
  preparation, variant and timing reached, and shadowed rules (removing them changes no
  visible outcome, confirmed through a Screener built on the rulebook without them).

The exit status is 1 when anything fails, is unreachable or is shadowed.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import EngineError
from ..rulebook import DECISIONS, TIMINGS, VARIANTS, Rule, Rulebook, conditions
from ..rulebook import load as load_rulebook
from ..rulebook.conditions import Atom, Condition, Not
from ..screening import answer_space, outcome
from ..screening.answer_space import AnswerSpace
from ..screening.engine import Engine
from ..screening.screener import Screener
from . import invariants

OutcomeKey = tuple[str, bool, int]
"""(decision, refer, mask of the rules that took effect): all a response depends on."""

VISIBLE_EXCEPT = ("id", "rationale", "rules_version")
"""Left out when asking whether removing a rule changes an outcome: the rationale lists
rules by definition, so comparing it would make every rule that ever takes effect count."""


@dataclass(frozen=True)
class Job:
    rulebook: Rulebook
    cases: Sequence[Mapping[str, Any]]
    indices: Sequence[int]
    cross_check: bool
    """Also work out the facts, and the rules whose conditions hold, for each case."""


@dataclass
class Batch:
    """What one worker saw, index by index (`masks` are over `rulebook.rules`)."""

    indices: Sequence[int]
    matched: list[int]
    outcomes: list[OutcomeKey]
    facts: list[int]
    bodies: dict[OutcomeKey, dict[str, Any]]
    disagreements: list[int]
    """Cases where durable-rules matched other rules than those whose conditions hold."""


def _mask(ids: Iterable[str], position: Mapping[str, int]) -> int:
    return sum(1 << position[rule_id] for rule_id in ids)


def screen_cases(job: Job) -> Batch:
    """Screen the job's cases with a Screener of its own (runs in a worker process)."""
    book = job.rulebook
    screener = Screener(book)
    position = {rule.id: index for index, rule in enumerate(book.rules)}
    facts = [conditions.parse(raw, book.fields, {}) for raw in invariants.FACTS.values()]
    batch = Batch(job.indices, [], [], [], {}, [])
    for index in job.indices:
        case = job.cases[index]
        matched = screener.matching_rules(case)
        result = outcome.resolve(book, matched)
        key = (result.decision, result.refer, _mask((rule.id for rule in result.rules), position))
        if key not in batch.bodies:
            batch.bodies[key] = result.to_json(book)
        batch.matched.append(_mask(matched, position))
        batch.outcomes.append(key)
        if job.cross_check:
            if matched != {rule.id for rule in book.rules if conditions.holds(rule.when, case)}:
                batch.disagreements.append(index)
            batch.facts.append(sum(1 << bit for bit, fact in enumerate(facts) if conditions.holds(fact, case)))
    return batch


@dataclass
class Run:
    """Both passes over the cases, merged: index -> what the engine did."""

    matched: list[int]
    outcomes: list[OutcomeKey]
    facts: list[int]
    bodies: dict[OutcomeKey, dict[str, Any]]
    disagreements: list[int]
    nondeterministic: list[int]
    seconds: float
    screenings: int


def run(rulebook: Rulebook, cases: Sequence[Mapping[str, Any]], processes: int) -> Run:
    """Screen every case twice, each time with fresh engines; the second pass in reverse order."""
    total = len(cases)
    slices = [range(start, total, processes) for start in range(processes)]
    first = [Job(rulebook, cases, part, cross_check=True) for part in slices]
    second = [Job(rulebook, cases, list(reversed(slices[(k + 1) % processes])), cross_check=False)
              for k in range(processes)]
    started = time.perf_counter()
    if processes == 1:
        batches = [screen_cases(job) for job in first + second]
    else:
        # fork shares the loaded modules and works from any entry point; each worker still
        # builds its own engine (durable-rules state is never shared across a fork).
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(processes) as pool:
            batches = pool.map(screen_cases, first + second)
    seconds = time.perf_counter() - started
    merged = Run([0] * total, [("", False, 0)] * total, [0] * total, {}, [], [], seconds, 2 * total)
    for batch in batches[:processes]:
        for slot, index in enumerate(batch.indices):
            merged.matched[index] = batch.matched[slot]
            merged.outcomes[index] = batch.outcomes[slot]
            merged.facts[index] = batch.facts[slot]
    for batch in batches:
        merged.disagreements.extend(batch.disagreements)
        for key, body in batch.bodies.items():
            if merged.bodies.setdefault(key, body) != body:
                merged.nondeterministic.extend(i for i, k in enumerate(merged.outcomes) if k == key)
    for batch in batches[processes:]:
        for slot, index in enumerate(batch.indices):
            if (batch.matched[slot], batch.outcomes[slot]) != (merged.matched[index], merged.outcomes[index]):
                merged.nondeterministic.append(index)
    merged.disagreements = sorted(set(merged.disagreements))
    merged.nondeterministic = sorted(set(merged.nondeterministic))
    return merged


@dataclass
class Proof:
    exactness: answer_space.Exactness
    problems: list[str]
    unread_fields: list[str]
    atom_tests: int


def prove_exact(rulebook: Rulebook, space: AnswerSpace) -> Proof:
    """The classes are exact for every rule and fact, and durable-rules reads nothing else."""
    facts = {f"fact {name}": conditions.parse(raw, rulebook.fields, {}) for name, raw in invariants.FACTS.items()}
    checked = {**{f"rule {rule.id}": rule.when for rule in rulebook.rules}, **facts}
    exactness = answer_space.check_exact(space, checked)
    problems = list(exactness.problems)
    owner = {prop: spec.id for spec in rulebook.fields.values() for prop in conditions.fact_properties(spec)}
    owner["kind"] = ""  # the catch-all rule's test, set on every fact
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
    atom_problems, atom_tests = _atoms_agree_with_engine(rulebook, space, [*checked.values()])
    problems.extend(atom_problems)
    unread = [f.question.id for f in space.fields if f.kind == "unread"]
    return Proof(exactness, problems, unread, atom_tests)


def _atoms(condition: Condition) -> Iterable[Atom]:
    if isinstance(condition, Atom):
        yield condition
    elif isinstance(condition, Not):
        yield from _atoms(condition.item)
    elif isinstance(condition, (conditions.AllOf, conditions.AnyOf)):
        for item in condition.items:
            yield from _atoms(item)


def _atoms_agree_with_engine(rulebook: Rulebook, space: AnswerSpace,
                             checked: list[Condition]) -> tuple[list[str], int]:
    """Every field test, and its negation, on every answer to its field, through durable-rules."""
    atoms = list(dict.fromkeys(atom for condition in checked for atom in _atoms(condition)))
    tests: dict[str, Condition] = {}
    for number, atom in enumerate(atoms):
        tests[f"atom_{number}"] = atom
        tests[f"atom_{number}_negated"] = Not(atom)
    probe_rules = tuple(
        Rule(id=name, file="(verification)", source="general", reason=name, when=test,
             durable_condition=conditions.to_durable(test, rulebook.fields))
        for name, test in tests.items()
    )
    engine = Engine(dataclasses.replace(rulebook, rules=probe_rules))
    base = next(space.cases())
    problems: list[str] = []
    count = 0
    for question in rulebook.questions:
        own = {name for name, test in tests.items() if next(iter(_atoms(test))).field == question.id}
        for value in answer_space.field_values(question):
            matched = engine.matching_rules(conditions.flatten({**base, question.id: value}, rulebook.fields)) & own
            expected = {name for name in own if conditions.holds(tests[name], {question.id: value})}
            count += len(own)
            for name in sorted(matched ^ expected):
                problems.append(f"{question.id} = {value!r}: durable-rules and the condition language disagree "
                                f"on {tests[name]}")
    return problems, count


@dataclass
class Failure:
    invariant: str
    cases: int
    example: dict[str, Any]
    detail: str


@dataclass
class Report:
    rulebook: Rulebook
    classes: list[tuple[int, ...]]
    """Every class key of the space (or of the answers fixed)."""
    keys: list[tuple[int, ...]]
    """The class key of each screened case: the first of the classes it stands for."""
    cases: list[dict[str, Any]]
    run: Run
    proof: Proof
    invariant_cases: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    rule_matches: dict[str, int] = field(default_factory=dict)
    rule_effects: dict[str, int] = field(default_factory=dict)
    reached: dict[str, Counter[str]] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)
    shadowed: list[str] = field(default_factory=list)
    shadow_witnesses: dict[str, int] = field(default_factory=dict)
    mutations_outside: int = 0

    @property
    def ok(self) -> bool:
        return not (self.failures or self.unreachable or self.shadowed or self.proof.problems)

    def render(self) -> str:
        return "\n".join(_render(self))


def verify(rulebook: Rulebook, fixed: Mapping[str, Any] | None = None, processes: int = 2) -> Report:
    """Screen every class (or those of the `fixed` answers) and check everything on them."""
    fixed = dict(fixed or {})
    space = answer_space.build(rulebook)
    proof = prove_exact(rulebook, space)
    classes = list(space.class_keys(fixed))
    screened = [(key, case) for key, case in zip(classes, space.cases(fixed), strict=True)
                if _leader(proof, space, fixed, key) == key]
    cases = [case for _, case in screened]
    report = Report(rulebook, classes, [key for key, _ in screened], cases, run(rulebook, cases, processes), proof)
    for index in report.run.disagreements:
        report.proof.problems.append(f"durable-rules matched other rules than the conditions say for {cases[index]}")
    _check_invariants(report)
    _check_monotonic_safety(report, space, fixed)
    _coverage(report)
    _shadowed(report)
    return report


def _failure(report: Report, name: str, indices: list[int], detail: str) -> None:
    if indices:
        report.failures.append(Failure(name, len(indices), report.cases[indices[0]], detail))


def _check_invariants(report: Report) -> None:
    book = report.rulebook
    checks = invariants.per_case(book)
    names = list(invariants.FACTS)
    # An invariant reads only the facts and the response, so each distinct pair is checked once.
    pairs: dict[tuple[int, OutcomeKey], list[int]] = {}
    for index, pair in enumerate(zip(report.run.facts, report.run.outcomes, strict=True)):
        pairs.setdefault(pair, []).append(index)
    for check in checks:
        failing: list[int] = []
        for (facts_mask, key), indices in pairs.items():
            facts = {name: bool(facts_mask >> bit & 1) for bit, name in enumerate(names)}
            if not check.holds(facts, report.run.bodies[key]):
                failing.extend(indices)
        report.invariant_cases[check.name] = len(report.cases)
        failing.sort()
        detail = _outline(report.run.bodies[report.run.outcomes[failing[0]]]) if failing else ""
        _failure(report, check.name, failing, detail)
    report.invariant_cases["deterministic"] = len(report.cases)
    _failure(report, "deterministic", report.run.nondeterministic, "a second screening differed")


def _leader(proof: Proof, space: AnswerSpace, fixed: Mapping[str, Any], key: tuple[int, ...]) -> tuple[int, ...]:
    """The first class key no rule or fact tells apart from `key` (fixed answers stay as given)."""
    alike = proof.exactness.alike
    return tuple(index if space.fields[slot].question.id in fixed else alike[slot][index]
                 for slot, index in enumerate(key))


def _check_monotonic_safety(report: Report, space: AnswerSpace, fixed: Mapping[str, Any]) -> None:
    """From every class, every added contraindication or pain: never a higher rank, never less referral."""
    screened = {key: index for index, key in enumerate(report.keys)}
    known = set(report.classes)
    # For each mutated field: class -> classes reached by adding a contraindication or pain.
    reach: dict[int, dict[int, set[int]]] = {}
    for slot, field_classes in enumerate(space.fields):
        targets = {
            index: {field_classes.class_of(value)
                    for value in invariants.safety_mutations(field_classes.question, representative)}
            for index, representative in enumerate(field_classes.representatives)
        }
        if any(targets.values()):
            _check_mutation_closure(report, field_classes, targets)
            reach[slot] = targets
    rank = invariants.DECISION_RANK
    failing: list[int] = []
    checked = outside = 0
    for key in report.classes:
        index = screened[_leader(report.proof, space, fixed, key)]
        decision, refer, _ = report.run.outcomes[index]
        for slot, targets in reach.items():
            for target in targets[key[slot]]:
                mutated = (*key[:slot], target, *key[slot + 1:])
                if mutated not in known:
                    outside += 1
                    continue
                checked += 1
                worse_decision, worse_refer, _ = report.run.outcomes[screened[_leader(report.proof, space, fixed,
                                                                                       mutated)]]
                if rank[worse_decision] > rank[decision] or (refer and not worse_refer):
                    failing.append(index)
    report.mutations_outside = outside
    report.invariant_cases["monotonic_safety"] = len(report.classes)
    _failure(report, "monotonic_safety", sorted(set(failing)),
             f"{checked:,} mutations from {len(report.classes):,} classes compared")


def _check_mutation_closure(report: Report, field_classes: answer_space.FieldClasses,
                            targets: Mapping[int, set[int]]) -> None:
    """Mutating any answer reaches only classes that mutating its class representative reaches.

    So checking the mutations of representatives covers the mutations of every answer.
    """
    question = field_classes.question
    for value in answer_space.field_values(question):
        reached = {field_classes.class_of(mutated) for mutated in invariants.safety_mutations(question, value)}
        if not reached <= targets[field_classes.class_of(value)]:
            report.proof.problems.append(
                f"{question.id}: mutations of {value!r} reach classes its representative's do not")


def _coverage(report: Report) -> None:
    book = report.rulebook
    matched = Counter(report.run.matched)
    effects = Counter(report.run.outcomes)
    report.rule_matches = {rule.id: sum(n for mask, n in matched.items() if mask >> bit & 1)
                           for bit, rule in enumerate(book.rules)}
    report.rule_effects = {rule.id: sum(n for key, n in effects.items() if key[2] >> bit & 1)
                           for bit, rule in enumerate(book.rules)}
    reached: dict[str, Counter[str]] = {name: Counter() for name in
                                        ("decision", "caution", "preparation", "variant", "timing")}
    for key, count in effects.items():
        body = report.run.bodies[key]
        reached["decision"][body["decision"]] += count
        reached["variant"].update({body["variant"]["code"]: count} if body["variant"] else {})
        for name, items in (("caution", body["cautions"]), ("preparation", body["preparation"]),
                            ("timing", body["timing"])):
            reached[name].update({item["code"]: count for item in items})
    report.reached = reached
    expected = {
        "decision": DECISIONS, "caution": tuple(book.cautions), "preparation": tuple(book.preparation),
        "variant": VARIANTS, "timing": TIMINGS,
    }
    report.unreachable = [f"{kind} {code}" for kind, codes in expected.items() for code in codes
                          if not reached[kind][code]]
    report.unreachable += [f"rule {rule_id}" for rule_id, count in report.rule_effects.items() if not count]


def visible(body: Mapping[str, Any]) -> dict[str, Any]:
    """What an athlete is told, less the list of rules behind it."""
    return {key: value for key, value in body.items() if key not in VISIBLE_EXCEPT}


def _outcome_without(rulebook: Rulebook, matched: frozenset[str]) -> dict[str, Any] | str:
    try:
        return visible(outcome.resolve(rulebook, matched).to_json(rulebook))
    except EngineError as error:
        return f"error: {error.detail}"


def _screened_without(screener: Screener, case: Mapping[str, Any]) -> dict[str, Any] | str:
    try:
        return visible(screener.screen(case).outcome.to_json(screener.rulebook))
    except EngineError as error:
        return f"error: {error.detail}"


def _shadowed(report: Report) -> None:
    """Rules whose removal changes no visible outcome.

    Removing a rule can only change the cases where it took effect: `outcome.resolve`
    passes over matched rules that did not. Those cases are grouped by the set of rules
    durable-rules matched (the outcome depends on nothing else); the outcome without the
    rule is worked out for each group, and the verdict is confirmed through a real
    Screener built on the rulebook without the rule: on one changed case when the rule
    matters, on one case of every group when it seems not to.
    """
    book = report.rulebook
    rule_ids = [rule.id for rule in book.rules]
    groups: dict[tuple[int, OutcomeKey], int] = {}
    for index, pair in enumerate(zip(report.run.matched, report.run.outcomes, strict=True)):
        groups.setdefault(pair, index)
    for bit, rule in enumerate(book.rules):
        without = dataclasses.replace(book, rules=tuple(r for r in book.rules if r.id != rule.id))
        affected = [(mask, key, index) for (mask, key), index in groups.items() if key[2] >> bit & 1]
        witness = next(
            (index for mask, key, index in affected
             if _outcome_without(without, frozenset(rule_ids[b] for b in range(len(rule_ids))
                                                    if mask >> b & 1 and b != bit))
             != visible(report.run.bodies[key])),
            None,
        )
        screener = Screener(without)
        confirm = [witness] if witness is not None else [index for _, _, index in affected]
        changed = [index for index in confirm
                   if _screened_without(screener, report.cases[index])
                   != visible(report.run.bodies[report.run.outcomes[index]])]
        if witness is not None and changed:
            report.shadow_witnesses[rule.id] = witness
        elif witness is None and not changed:
            report.shadowed.append(rule.id)
        else:
            report.proof.problems.append(f"rule {rule.id}: the engine without it disagrees with the worked-out outcome")


def _outline(body: Mapping[str, Any]) -> str:
    variant = body["variant"]["code"] if body["variant"] else None
    codes = ", ".join(c["code"] for c in body["cautions"])
    prep = ", ".join(p["code"] for p in body["preparation"])
    rules = ", ".join(r["rule"] for r in body["rationale"])
    return (f"decision={body['decision']} refer={body['refer']} variant={variant} cautions=[{codes}] "
            f"preparation=[{prep}] rules=[{rules}]")


def _render(report: Report) -> Iterable[str]:
    run_, proof = report.run, report.proof
    yield f"rulebook {report.rulebook.rules_version}: {len(report.rulebook.rules)} rules"
    yield ""
    yield "answer space"
    exactness = proof.exactness
    yield (f"  {len(report.classes):,} classes; {len(report.cases):,} cases (one per group of classes no rule "
           f"or fact tells apart) screened twice through durable-rules "
           f"({run_.screenings:,} screenings in {run_.seconds:.1f} s)")
    yield (f"  durable-rules matched exactly the rules whose conditions hold on every case: "
           f"{'no' if run_.disagreements else 'yes'}")
    yield (f"  exact: {exactness.values_checked} answers (every valid answer to every field) leave the same "
           f"residual of every rule and fact within each class; {proof.atom_tests:,} field tests agree with "
           f"durable-rules")
    yield f"  fields no rule reads: {', '.join(proof.unread_fields) or 'none'}"
    for note in exactness.redundant:
        yield f"  alike, screened once: {note}"
    for problem in proof.problems:
        yield f"  PROBLEM: {problem}"
    yield ""
    yield "invariants (cases checked)"
    failed = {failure.invariant: failure for failure in report.failures}
    reasons = {check.name: check.reason for check in invariants.per_case(report.rulebook)}
    reasons.update(invariants.ACROSS_CASES)
    for name, count in report.invariant_cases.items():
        status = f"FAILED on {failed[name].cases:,}" if name in failed else "ok"
        yield f"  {name:<42} {count:>8,}  {status}"
    yield f"  monotonic mutations leading outside the classes checked: {report.mutations_outside:,}"
    for failure in report.failures:
        yield ""
        yield f"  FAILED {failure.invariant}: {reasons.get(failure.invariant, '')}"
        yield f"    example answers: {failure.example}"
        yield f"    {failure.detail}"
    yield ""
    yield "rules (cases matched / cases where it took effect)"
    for rule_id, effects in report.rule_effects.items():
        mark = "  SHADOWED" if rule_id in report.shadowed else ""
        yield f"  {rule_id:<42} {report.rule_matches[rule_id]:>8,} {effects:>8,}{mark}"
    for kind, counts in report.reached.items():
        yield ""
        yield f"{kind} (cases)"
        for code, count in sorted(counts.items(), key=lambda item: -item[1]):
            yield f"  {code:<42} {count:>8,}"
    yield ""
    yield f"unreachable: {', '.join(report.unreachable) or 'none'}"
    yield f"shadowed rules: {', '.join(report.shadowed) or 'none'}"
    yield "result: " + ("OK" if report.ok else "FAILED")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the verification report; 1 when anything fails, is unreachable or shadowed."""
    parser = argparse.ArgumentParser(prog="python -m service.verification", description=__doc__.splitlines()[0])
    parser.add_argument("--rules-dir", help="rulebook directory (default: the repository's rules/)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default: 2)")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    report = verify(load_rulebook(args.rules_dir), processes=args.processes)
    print(report.render())
    return 0 if report.ok else 1
