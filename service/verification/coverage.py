"""What the rules reach over the screened cases, and which rules could go unnoticed."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ..errors import EngineError
from ..rulebook import DECISIONS, TIMINGS, VARIANTS, Rulebook
from ..screening import outcome
from ..screening.cubes import Partition
from ..screening.screener import Screener
from .passes import OutcomeKey
from .report import Report

VISIBLE_EXCEPT = ("id", "rationale", "rules_version")
"""Left out when asking whether removing a rule changes an outcome: the rationale lists
rules by definition, so comparing it would make every rule that ever takes effect count."""


def coverage(report: Report) -> None:
    """Rule -> cases it matches and takes effect on; every code reached, and what never is."""
    book = report.rulebook
    matched = Counter(report.run.matched)
    effects = Counter(report.run.outcomes)
    report.rule_matches = {rule.id: sum(n for mask, n in matched.items() if mask >> bit & 1)
                           for bit, rule in enumerate(book.rules)}
    report.rule_effects = {rule.id: sum(n for key, n in effects.items() if key[2] >> bit & 1)
                           for bit, rule in enumerate(book.rules)}
    report.reached = _reached(report, effects)
    expected = {
        "decision": DECISIONS, "caution": tuple(book.cautions), "preparation": tuple(book.preparation),
        "variant": VARIANTS, "timing": TIMINGS,
    }
    report.unreachable = [f"{kind} {code}" for kind, codes in expected.items() for code in codes
                          if not report.reached[kind][code]]
    report.unreachable += [f"rule {rule_id}" for rule_id, count in report.rule_effects.items() if not count]


def _reached(report: Report, effects: Counter[OutcomeKey]) -> dict[str, Counter[str]]:
    reached: dict[str, Counter[str]] = {name: Counter() for name in
                                        ("decision", "caution", "preparation", "variant", "timing")}
    for key, count in effects.items():
        body = report.run.bodies[key]
        reached["decision"][body["decision"]] += count
        reached["variant"].update({body["variant"]["code"]: count} if body["variant"] else {})
        for name, items in (("caution", body["cautions"]), ("preparation", body["preparation"]),
                            ("timing", body["timing"])):
            reached[name].update({item["code"]: count for item in items})
    return reached


def _visible(body: Mapping[str, Any]) -> dict[str, Any]:
    """What an athlete is told, less the list of rules behind it."""
    return {key: value for key, value in body.items() if key not in VISIBLE_EXCEPT}


def _outcome_without(rulebook: Rulebook, matched: frozenset[str]) -> dict[str, Any] | str:
    try:
        return _visible(outcome.resolve(rulebook, matched).to_json(rulebook))
    except EngineError as error:
        return f"error: {error.detail}"


def _screened_without(screener: Screener, case: Mapping[str, Any]) -> dict[str, Any] | str:
    try:
        return _visible(screener.screen(case).outcome.to_json(screener.rulebook))
    except EngineError as error:
        return f"error: {error.detail}"


def shadowed(report: Report) -> None:
    """Rules whose removal changes no visible outcome.

    Removing a rule changes only the cases where it took effect (`outcome.resolve` passes over
    matched rules that did not). Those cases are grouped by the rules durable-rules matched; the
    outcome without the rule is worked out per group, then confirmed through a real Screener on
    the rulebook without it: on one changed case when the rule matters, on every group when not.
    """
    book = report.rulebook
    groups: dict[tuple[int, OutcomeKey], int] = {}
    for index, pair in enumerate(zip(report.run.matched, report.run.outcomes, strict=True)):
        groups.setdefault(pair, index)
    for bit, rule in enumerate(book.rules):
        without = dataclasses.replace(book, rules=tuple(r for r in book.rules if r.id != rule.id))
        affected = [(mask, index) for (mask, key), index in groups.items() if key[2] >> bit & 1]
        witness = _first_changed(report, without, bit, affected)
        screener = Screener(without)
        confirm = [witness] if witness is not None else [index for _, index in affected]
        changed = [index for index in confirm
                   if _screened_without(screener, report.cases[index]) != _visible(report.run.body(index))]
        if witness is not None and changed:
            report.shadow_witnesses[rule.id] = witness
        elif witness is None and not changed:
            if not _changed_inside_cubes(report, without, screener, [index for _, index in affected]):
                report.shadowed.append(rule.id)
        else:
            report.proof.problems.append(f"rule {rule.id}: the engine without it disagrees with the worked-out outcome")


def _changed_inside_cubes(report: Report, without: Rulebook, screener: Screener, affected: list[int]) -> bool:
    """Whether some member of a cube where the rule took effect, not only its representative, is
    told something else without it: the cubes of the rulebook without the rule cut those finer."""
    finer = Partition(without, report.partition.space)
    original = Screener(report.rulebook)
    for index in affected:
        cube = report.partition.cubes[index]
        for other in finer.meeting(cube.classes):
            member = {field.question.id: finer.value(slot, min(mine & theirs))
                      for slot, (field, mine, theirs) in enumerate(zip(finer.space.fields, cube.classes,
                                                                       finer.cubes[other].classes, strict=True))}
            if _screened_without(screener, member) != _screened_without(original, member):
                return True
    return False


def _ids(rulebook: Rulebook, mask: int) -> frozenset[str]:
    return frozenset(rule.id for bit, rule in enumerate(rulebook.rules) if mask >> bit & 1)


def _first_changed(report: Report, without: Rulebook, bit: int, affected: list[tuple[int, int]]) -> int | None:
    """The first case whose outcome, worked out from its matched rules less rule `bit`, differs."""
    for mask, index in affected:
        if _outcome_without(without, _ids(report.rulebook, mask & ~(1 << bit))) != _visible(report.run.body(index)):
            return index
    return None
