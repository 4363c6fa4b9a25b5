"""The checks of rule files that their JSON Schema cannot express: codes, groups and coverage.

By the time these run, `shapes` has checked every key, type and fixed code list, so a rule
is read by key here and only its meaning is questioned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import conditions
from .conditions import Condition, ConditionError
from .model import DECISION_GROUP, Caution, Example, Rule, RulebookError
from .questions import Question


@dataclass(frozen=True)
class Context:
    """What a rule may name: answer fields, named conditions, groups and catalogue codes."""

    fields: Mapping[str, Question]
    named: Mapping[str, Condition]
    groups: Mapping[str, Mapping[str, Any]]
    cautions: Mapping[str, Caution]
    preparation: Mapping[str, str]


def rule_file(raw: Mapping[str, Any], file: str, context: Context) -> tuple[list[Rule], list[Example]]:
    """The rules and examples of one rule file, each rule covered by an example of the same file."""
    rules = [_rule(item, file, context) for item in raw["rules"]]
    examples = [Example(file=file, name=item["name"], answers=item["answers"], expect=item["expect"])
                for item in raw["examples"]]
    covered = {rule_id for example in examples for rule_id in example.expect["rules"]}
    for rule in rules:
        if rule.id not in covered:
            raise RulebookError(f"{file}: rule {rule.id}: no example in this file expects it to take effect")
    return rules, examples


def _rule(raw: Mapping[str, Any], file: str, context: Context) -> Rule:
    def fail(message: str) -> RulebookError:
        return RulebookError(f"{file}: rule {raw['id']}: {message}")

    _check_outcome(raw, context, fail)
    try:
        when = conditions.parse(raw["when"], context.fields, context.named)
    except ConditionError as error:
        raise fail(f"when: {error}") from error
    applies_to = raw.get("applies_to")
    return Rule(
        id=raw["id"],
        file=file,
        source=raw["source"],
        reason=raw["reason"],
        when=when,
        durable_condition=conditions.to_durable(when, context.fields),
        group=raw.get("group"),
        applies_to=frozenset(applies_to) if applies_to else None,
        decision=raw.get("decision"),
        refer=raw.get("refer"),
        cautions=tuple(raw.get("cautions") or ()),
        preparation=tuple(raw.get("preparation") or ()),
        variant=raw.get("variant"),
        timing=raw.get("timing"),
    )


def _check_outcome(raw: Mapping[str, Any], context: Context, fail: Any) -> None:
    group, decision, variant = raw.get("group"), raw.get("decision"), raw.get("variant")
    if group is not None and group not in context.groups:
        raise fail(f"group {group!r} is not declared in rulebook.yaml")
    if (decision is None) == (group == DECISION_GROUP):
        raise fail(f"rules in the '{DECISION_GROUP}' group, and only they, set a decision")
    if decision is not None and raw.get("applies_to") is not None:
        raise fail("a decision rule cannot depend on the decision (applies_to)")
    for kind, known in (("cautions", context.cautions), ("preparation", context.preparation)):
        unknown = [code for code in raw.get(kind) or () if code not in known]
        if unknown:
            raise fail(f"{kind}: {', '.join(map(repr, unknown))} not in catalogue.yaml")
    if variant is not None and variant["alternative"] == variant["code"]:
        raise fail("a variant's alternative must differ from its code")
    if not (decision or raw.get("cautions") or raw.get("preparation") or variant or raw.get("timing")):
        raise fail("the rule has no outcome")


def check_unique_ids(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RulebookError(f"{rule.file}: rule {rule.id}: the id is already used in {seen[rule.id]}")
        seen[rule.id] = rule.file


def check_groups(rules: list[Rule], groups: Mapping[str, Mapping[str, Any]]) -> None:
    for name, group in groups.items():
        members = [rule for rule in rules if rule.group == name]
        if not members:
            raise RulebookError(f"rulebook.yaml: group {name}: no rule belongs to it")
        if group.get("required") and not isinstance(members[-1].when, conditions.Always):
            last = members[-1]
            raise RulebookError(
                f"{last.file}: rule {last.id}: the last rule of required group {name} must be 'when: always'"
            )


def check_expect(example: Example, known_rules: set[str], context: Context) -> None:
    """An example expects only rules and catalogue codes that exist (the schema checked the rest)."""
    for key, known in (("cautions", context.cautions), ("preparation", context.preparation),
                       ("rules", known_rules)):
        unknown = [code for code in example.expect.get(key, ()) if code not in known]
        if unknown:
            raise RulebookError(
                f"{example.file}: example {example.name}: expect.{key} has unknown codes: "
                f"{', '.join(map(repr, unknown))}"
            )
