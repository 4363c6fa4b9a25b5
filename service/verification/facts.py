"""The answer side of the invariants: named facts about the answers, and what counts as more risk.

The facts are written in the rule condition language, on purpose restated from the product
brief and issue 12 rather than borrowed from the rulebook's named conditions: an invariant
that reused the rules' own definitions could not catch them being wrong. Each fact reads one
question, so the facts of a set of answers are the union of what each answer gives (the
verification relies on it to find every combination of facts in a cube of answers);
`derive` combines them as the invariants need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rulebook import Question

FACTS: dict[str, Any] = {
    "red_flag": {"red_flags": {"empty": False}},
    # Growth plates close at about 14-16 (girls) to 16-18 (boys): under 18 is still growing.
    "growing": {"age": {"lt": 18}},
    "recent_surgery": {"recent_surgery": {"empty": False}},
    "recent_injury": {"recent_injury": True},
    "hip_replacement": {"structural_conditions": {"has": "hip_replacement"}},
    "joint_condition": {"structural_conditions": {"has_any": [
        "labral_tear", "femoroacetabular_impingement", "meniscus_tear", "hip_dysplasia", "other"]}},
    "hip_or_groin_pain": {"pain_areas": {"has_any": ["hip", "groin"]}},
    "knee_pain": {"pain_areas": {"has": "knee"}},
    "low_back_pain": {"pain_areas": {"has": "low_back"}},
    "current_pain": {"pain_areas": {"empty": False}},
    # On the 0-10 scale, 7 and above is severe and 4-6 moderate by the usual clinical convention.
    "severe_pain": {"pain_severity": {"gte": 7}},
    "pain_4_or_more": {"pain_severity": {"gte": 4}},
    "male": {"sex": "male"},
    "female": {"sex": "female"},
    "frequent_sumo": {"sumo_days_per_week": {"gte": 3}},
    "throwing_or_rotational": {"sports": {"has_any": ["baseball_pitching", "rotational"]}},
    "soft_tissue_done": {"prior_soft_tissue_work": True},
    "wall": {"wall_available": True},
    "ir_limited": {"hip_ir": "limited"},
    "ir_normal": {"hip_ir": "normal"},
    "ir_not_tested": {"hip_ir": "not_tested"},
    "hip_pinch": {"hip_pinch": True},
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

BEFORE_MOVING = {
    "growing_joint_pain": "growing_joint_pain",
    "recent_surgery": "recent_surgery",
    "hip_replacement": "hip_replacement_precautions",
    "joint_condition": "structural_restriction",
    "recent_injury": "recent_injury",
    "hip_or_groin_pain_alone": "hip_groin_pain",  # under 18, growing_joint_pain names it
    "severe_pain": "severe_pain",
}
"""Reasons not to move known before any question asks the athlete to move, each with the
stop caution that names it (a red flag stands alone)."""
FROM_MOVING = {"hip_pinch": "hip_pinch_reported", "growing_limited": "growing_hip_limited"}
"""Reasons not to move known only from a question that asks the athlete to move."""

SAFETY_QUESTIONS = ("red_flags", "age", "recent_surgery", "recent_injury", "structural_conditions",
                    "pain_areas", "pain_severity", "hip_pinch")
"""The questions that can stop the drill (issue 12): required, with no default."""
UNKNOWN_DEFAULTS = {"hip_ir": "not_tested"}
"""Questions some rule that refers reads, whose default says "not known yet" rather than "safe"."""


def derive(facts: Mapping[str, bool]) -> dict[str, bool]:
    """The facts, with the combinations the invariants name."""
    out = dict(facts)
    out["growing_joint_pain"] = facts["growing"] and (facts["hip_or_groin_pain"] or facts["knee_pain"])
    out["growing_limited"] = facts["growing"] and facts["ir_limited"]
    out["hip_or_groin_pain_alone"] = facts["hip_or_groin_pain"] and not out["growing_joint_pain"]
    out["training_load"] = facts["frequent_sumo"] or facts["throwing_or_rotational"]
    out["ruled_out_before_moving"] = any(out[name] for name in BEFORE_MOVING)
    out["ruled_out"] = (facts["red_flag"] or out["ruled_out_before_moving"]
                        or any(out[name] for name in FROM_MOVING))
    return out


def safety_mutations(question: Question, value: Any) -> list[Any]:
    """The answers reached from `value` by adding one reason not to move, more pain or youth."""
    if question.id in ("red_flags", "recent_surgery", "structural_conditions", "pain_areas"):
        return [[option.value for option in question.options if option.value in {*value, extra.value}]
                for extra in question.options if extra.value not in value]
    if question.id in ("hip_pinch", "recent_injury"):
        return [True] if value is False else []
    if question.id == "pain_severity":
        assert question.maximum is not None
        return [] if value is None else list(range(value + 1, question.maximum + 1))
    if question.id == "age":
        return list(range(question.minimum or 0, 18)) if value is not None and value >= 18 else []
    return []
