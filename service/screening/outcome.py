"""From the set of matching rules to one outcome, following the rulebook's precedence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError
from ..rulebook import DECISION_GROUP, RECOMMENDING, URGENCIES, Rule, Rulebook


@dataclass(frozen=True)
class Outcome:
    decision: str
    refer_urgency: str | None
    """The most urgent referral among the rules that took effect, or None."""
    rules: tuple[Rule, ...]
    """The rules that took effect, in rulebook order; the decision rule among them."""

    @property
    def refer(self) -> bool:
        return self.refer_urgency is not None

    def to_json(self, rulebook: Rulebook) -> dict[str, Any]:
        """The response body, less `id` (which is per request)."""
        variant = next((rule.variant for rule in self.rules if rule.variant), None)
        return {
            "recommended": self.decision in RECOMMENDING,
            "decision": self.decision,
            "refer": self.refer,
            "refer_urgency": self.refer_urgency,
            "variant": dict(variant) if variant else None,
            "timing": [dict(rule.timing) for rule in self.rules if rule.timing],
            "preparation": [
                {"code": code, "text": rulebook.preparation[code]}
                for code in _unique(code for rule in self.rules for code in rule.preparation)
            ],
            "cautions": [
                {"code": code, "severity": rulebook.cautions[code].severity, "text": rulebook.cautions[code].text}
                for code in _unique(code for rule in self.rules for code in rule.cautions)
            ],
            "rationale": [{"rule": rule.id, "source": rule.source, "text": rule.reason} for rule in self.rules],
            "rules_version": rulebook.rules_version,
        }


def resolve(rulebook: Rulebook, matched: frozenset[str]) -> Outcome:
    """Apply group precedence and `applies_to` to the rules durable-rules matched."""
    decision_rule = next(
        (rule for rule in rulebook.rules if rule.group == DECISION_GROUP and rule.id in matched), None
    )
    if decision_rule is None or decision_rule.decision is None:
        raise EngineError(f"no decision rule matched; matched rules: {sorted(matched)}")
    decision = decision_rule.decision
    taken: list[Rule] = []
    settled_groups: set[str] = set()
    for rule in rulebook.rules:
        if rule.id not in matched or not rule.applies(decision) or rule.group in settled_groups:
            continue
        if rule.group:
            settled_groups.add(rule.group)
        taken.append(rule)
    urgencies = [URGENCIES.index(rule.refer) for rule in taken if rule.refer]
    return Outcome(decision, URGENCIES[max(urgencies)] if urgencies else None, tuple(taken))


def _unique(codes: Any) -> list[str]:
    return list(dict.fromkeys(codes))


def expected_mismatches(outcome_json: Mapping[str, Any], expect: Mapping[str, Any]) -> list[str]:
    """How a screening differs from a rule file example's `expect` block."""
    actual = {
        "decision": outcome_json["decision"],
        "refer": outcome_json["refer"],
        "variant": outcome_json["variant"]["code"] if outcome_json["variant"] else None,
        "timing": [item["code"] for item in outcome_json["timing"]],
        "cautions": [item["code"] for item in outcome_json["cautions"]],
        "preparation": [item["code"] for item in outcome_json["preparation"]],
        "rules": [item["rule"] for item in outcome_json["rationale"]],
    }
    return [
        f"{key}: expected {value!r}, got {actual[key]!r}" for key, value in expect.items() if actual[key] != value
    ]
