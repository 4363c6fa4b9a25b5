"""The peer: the rulebook as a GoRules zen-engine decision table (JDM), generated from rules/.

One "collect" table, one row per rule, in rulebook order: the row's only input cell is the
rule's condition as a ZEN expression and its output is the rule id. Its answer is the set of
matching rules, which `outcome.resolve` turns into a decision exactly as for durable-rules.
`disagreements` checks, answer set by answer set, that the table matches exactly the rules
durable-rules matches, before anything is timed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import zen

from service.rulebook import Question, Rulebook, conditions
from service.rulebook.conditions import AllOf, Always, AnyOf, Atom, Condition, Not
from service.screening import outcome
from service.screening.screener import Screener


def expression(condition: Condition, fields: Mapping[str, Question]) -> str:
    """A condition of the rule language as a ZEN expression."""
    if isinstance(condition, Always):
        return "true"
    if isinstance(condition, Not):
        return f"not({expression(condition.item, fields)})"
    if isinstance(condition, (AllOf, AnyOf)):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return "(" + joiner.join(expression(item, fields) for item in condition.items) + ")"
    return _atom(condition, fields[condition.field])


_COMPARE = {"eq": "==", "gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


def _atom(atom: Atom, spec: Question) -> str:
    name, op, value = atom.field, atom.op, atom.value
    if op == "has":
        return f"contains({name}, {json.dumps(value)})"
    if op == "empty":
        return f"len({name}) {'==' if value else '>'} 0"
    if op == "given":
        return f"{name} {'!=' if value else '=='} null"
    test = f"{name} {_COMPARE[op]} {json.dumps(value)}"
    return f"({name} != null and {test})" if spec.nullable else test


def decision_model(rulebook: Rulebook) -> dict[str, Any]:
    """The JDM graph: answers -> one collect table of every rule -> matched rule ids."""
    rows = [
        {"_id": rule.id, "condition": expression(rule.when, rulebook.fields), "rule": json.dumps(rule.id)}
        for rule in rulebook.rules
    ]
    table = {
        "hitPolicy": "collect",
        "inputs": [{"id": "condition", "name": "Rule condition"}],
        "outputs": [{"id": "rule", "name": "Rule", "field": "rule"}],
        "rules": rows,
    }
    return {
        "nodes": [
            {"id": "answers", "type": "inputNode", "name": "Answers", "position": {"x": 0, "y": 0}},
            {"id": "rules", "type": "decisionTableNode", "name": "Rules", "position": {"x": 300, "y": 0},
             "content": table},
            {"id": "matched", "type": "outputNode", "name": "Matched rules", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "answers-rules", "sourceId": "answers", "targetId": "rules", "type": "edge"},
            {"id": "rules-matched", "sourceId": "rules", "targetId": "matched", "type": "edge"},
        ],
    }


class ZenPeer:
    """Decides like the Screener, with zen-engine matching the rules instead of durable-rules."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.decision = zen.ZenEngine().create_decision(json.dumps(decision_model(rulebook)))

    def matching_rules(self, answers: Mapping[str, Any]) -> frozenset[str]:
        rows = self.decision.evaluate(dict(answers))["result"]
        return frozenset(row["rule"] for row in rows)

    def decide(self, answers: Mapping[str, Any]) -> outcome.Outcome:
        return outcome.resolve(self.rulebook, self.matching_rules(answers))


def disagreements(peer: ZenPeer, screener: Screener, answer_sets: Iterable[Mapping[str, Any]]) -> list[str]:
    """Validated answer sets on which the table and durable-rules match different rules."""
    found = []
    for answers in answer_sets:
        ours = screener.engine.matching_rules(conditions.flatten(answers, screener.rulebook.fields))
        theirs = peer.matching_rules(answers)
        if ours != theirs:
            found.append(f"{dict(answers)}: durable-rules {sorted(ours)}, zen {sorted(theirs)}")
    return found
