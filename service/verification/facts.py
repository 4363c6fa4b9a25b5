"""The answer side of the invariants: named facts about the answers, and what counts as more risk.

The facts are written in the rule condition language, on purpose restated from the product
brief rather than borrowed from the rulebook's named conditions: an invariant that reused
the rules' own definitions could not catch them being wrong. Because facts are conditions,
the verification proves that the answer space's classes are exact for them too, so checking
one representative per class checks every answer.
"""

from __future__ import annotations

from typing import Any

from ..rulebook import Question

FACTS: dict[str, Any] = {
    "structural": {"structural_conditions": {"empty": False}},
    "hip_pinch": {"hip_pinch": True},
    # 7 and above on the 0-10 scale is severe pain by the usual clinical convention.
    "severe_pain": {"pain_severity": {"gte": 7}},
    "current_pain": {"any": [{"pain_areas": {"empty": False}}, {"pain_severity": {"gte": 1}}]},
    "low_back_pain": {"pain_areas": {"has": "low_back"}},
    "female": {"sex": "female"},
    "ir_limited": {"hip_ir": "limited"},
    "ir_normal": {"hip_ir": "normal"},
    "ir_not_tested": {"hip_ir": "not_tested"},
    "wall": {"wall_available": True},
    "soft_tissue_done": {"prior_soft_tissue_work": True},
    # The brief's risk profile: frequent sumo pulls, baseball pitching, a rotational sport.
    "risk_profile": {"any": [
        {"sumo_days_per_week": {"gte": 3}},
        {"sports": {"has_any": ["baseball_pitching", "rotational"]}},
    ]},
}

DECISION_RANK = {
    "not_recommended": 0,
    "not_needed": 1,
    "assess_first": 2,
    "recommended_with_caution": 3,
    "recommended": 4,
}
"""How far a decision goes toward doing the drill now. `not_recommended` forbids it and
refers; `not_needed` closes the question without a referral; `assess_first` leaves the
drill open after a test; `recommended_with_caution` allows it with limits; `recommended`
allows it plainly. More risk must never move an athlete up this scale."""

UNIVERSAL_CAUTIONS = ("gentle_range", "stop_if_pinching")
CONTRAINDICATION_CAUTIONS = {
    "structural": "structural_restriction",
    "hip_pinch": "hip_pinch_reported",
    "severe_pain": "severe_pain",
}

def safety_mutations(question: Question, value: Any) -> list[Any]:
    """The answers reached from `value` by adding one contraindication or more pain."""
    if question.id in ("structural_conditions", "pain_areas"):
        return [[option.value for option in question.options if option.value in {*value, extra.value}]
                for extra in question.options if extra.value not in value]
    if question.id == "hip_pinch":
        return [True] if value is False else []
    if question.id == "pain_severity":
        assert question.maximum is not None
        return list(range(value + 1, question.maximum + 1))
    return []
