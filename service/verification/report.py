"""What the verification found, and its rendering as the printed report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rulebook import Rulebook
from ..screening.cubes import Partition
from .invariants import ACROSS_CASES, PER_CASE
from .passes import Run
from .proof import Proof


@dataclass
class Failure:
    invariant: str
    cases: int
    example: dict[str, Any]
    detail: str


@dataclass
class Report:
    rulebook: Rulebook
    partition: Partition
    """The cubes of answer classes; case k is the representative of cube k."""
    cases: list[dict[str, Any]]
    run: Run
    proof: Proof
    fact_sets: list[set[int]] = field(default_factory=list)
    """Per case, every combination of invariant facts its cube's members show."""
    invariant_cases: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    rule_matches: dict[str, int] = field(default_factory=dict)
    rule_effects: dict[str, int] = field(default_factory=dict)
    reached: dict[str, Counter[str]] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)
    shadowed: list[str] = field(default_factory=list)
    shadow_witnesses: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.failures or self.unreachable or self.shadowed or self.proof.problems)

    def render(self) -> str:
        return "\n".join([*_answer_space(self), *_invariants(self), *_rules(self), *_reached(self)])


def outline(body: Mapping[str, Any]) -> str:
    """A response body on one line, by its codes."""
    variant = body["variant"]["code"] if body["variant"] else None
    codes = ", ".join(c["code"] for c in body["cautions"])
    prep = ", ".join(p["code"] for p in body["preparation"])
    rules = ", ".join(r["rule"] for r in body["rationale"])
    return (f"decision={body['decision']} refer={body['refer']} variant={variant} cautions=[{codes}] "
            f"preparation=[{prep}] rules=[{rules}]")


def _answer_space(report: Report) -> Iterable[str]:
    run, proof = report.run, report.proof
    yield f"rulebook {report.rulebook.rules_version}: {len(report.rulebook.rules)} rules"
    yield ""
    yield "answer space"
    yield (f"  {report.partition.classes:,} valid classes; {len(report.cases):,} cases (one per cube of classes "
           f"no rule that can still take effect tells apart) screened twice through durable-rules "
           f"({run.screenings:,} screenings in {run.seconds:.1f} s)")
    yield (f"  durable-rules matched exactly the rules whose conditions hold on every case: "
           f"{'no' if run.disagreements else 'yes'}")
    yield (f"  exact: {proof.exactness.values_checked} answers (every valid answer to every field) leave the same "
           f"residual of every rule and fact within each class; {proof.atom_tests:,} field tests agree with "
           f"durable-rules")
    yield f"  fields no rule reads: {', '.join(proof.unread_fields) or 'none'}"
    for problem in proof.problems:
        yield f"  PROBLEM: {problem}"


def _invariants(report: Report) -> Iterable[str]:
    yield ""
    yield "invariants (cases checked)"
    failed = {failure.invariant: failure for failure in report.failures}
    reasons = {**{name: check.reason for name, check in PER_CASE.items()}, **ACROSS_CASES}
    for name, count in report.invariant_cases.items():
        status = f"FAILED on {failed[name].cases:,}" if name in failed else "ok"
        yield f"  {name:<42} {count:>8,}  {status}"
    for failure in report.failures:
        yield ""
        yield f"  FAILED {failure.invariant}: {reasons.get(failure.invariant, '')}"
        yield f"    example answers: {failure.example}"
        yield f"    {failure.detail}"


def _rules(report: Report) -> Iterable[str]:
    yield ""
    yield "rules (cases matched / cases where it took effect)"
    for rule_id, effects in report.rule_effects.items():
        mark = "  SHADOWED" if rule_id in report.shadowed else ""
        yield f"  {rule_id:<42} {report.rule_matches[rule_id]:>8,} {effects:>8,}{mark}"


def _reached(report: Report) -> Iterable[str]:
    for kind, counts in report.reached.items():
        yield ""
        yield f"{kind} (cases)"
        for code, count in sorted(counts.items(), key=lambda item: -item[1]):
            yield f"  {code:<42} {count:>8,}"
    yield ""
    yield f"unreachable: {', '.join(report.unreachable) or 'none'}"
    yield f"shadowed rules: {', '.join(report.shadowed) or 'none'}"
    yield "result: " + ("OK" if report.ok else "FAILED")
