"""What must hold for every screening, each with the reason a careful clinician would give.

The answer side of each invariant is written in the rule condition language (`FACTS`), on
purpose restated from the product brief rather than borrowed from the rulebook's named
conditions: an invariant that reused the rules' own definitions could not catch them
being wrong. Because facts are conditions, the verification proves that the answer
space's classes are exact for them too, so checking one representative per class checks
every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..rulebook import RECOMMENDING, Question, Rulebook

Facts = Mapping[str, bool]
Body = Mapping[str, Any]

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


@dataclass(frozen=True)
class Invariant:
    name: str
    reason: str
    holds: Callable[[Facts, Body], bool]


ACROSS_CASES = {
    "monotonic_safety": (
        "Adding a diagnosed structural condition, a hip pinch, a painful area or more pain to any "
        "answers never raises the decision's rank (DECISION_RANK) and never withdraws a referral: "
        "more risk must never make the drill more available."
    ),
    "deterministic": (
        "The same answers always get the same result, whatever was screened before and in whichever "
        "engine instance: every case is screened a second time, by fresh engines in the worker "
        "processes, in reverse order and split differently."
    ),
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


def _codes(body: Body, key: str) -> list[str]:
    return [item["code"] for item in body[key]]


def _recommending(body: Body) -> bool:
    return body["decision"] in RECOMMENDING


def _contraindicated(facts: Facts) -> bool:
    return any(facts[name] for name in CONTRAINDICATION_CAUTIONS)


def per_case(rulebook: Rulebook) -> tuple[Invariant, ...]:
    """The invariants checked on every case, for one rulebook (some name its rules and texts)."""

    def contraindication_refers(facts: Facts, body: Body) -> bool:
        return not _contraindicated(facts) or (body["decision"] == "not_recommended" and body["refer"] is True)

    def recommended_flag_matches(facts: Facts, body: Body) -> bool:
        return body["recommended"] is _recommending(body)

    def recommendation_is_complete(facts: Facts, body: Body) -> bool:
        if not _recommending(body):
            return body["variant"] is None and body["timing"] == []
        cautions = _codes(body, "cautions")
        return all(code in cautions for code in UNIVERSAL_CAUTIONS) and bool(body["variant"]) and bool(body["timing"])

    def soft_tissue_first_leads(facts: Facts, body: Body) -> bool:
        if _recommending(body) and not facts["soft_tissue_done"]:
            return _codes(body, "preparation")[:1] == ["soft_tissue_first"]
        return True

    def soft_tissue_only_for_the_drill(facts: Facts, body: Body) -> bool:
        wanted = _recommending(body) and not facts["soft_tissue_done"]
        return ("soft_tissue_first" in _codes(body, "preparation")) == wanted

    def untested_women_wait(facts: Facts, body: Body) -> bool:
        return not (facts["female"] and facts["ir_not_tested"]) or not _recommending(body)

    def no_wall_no_feet_on_wall(facts: Facts, body: Body) -> bool:
        variant = body["variant"]
        return facts["wall"] or variant is None or "feet_on_wall" not in (variant["code"], variant["alternative"])

    def rationale_names_real_rules(facts: Facts, body: Body) -> bool:
        entries = body["rationale"]
        ids = [entry["rule"] for entry in entries]
        order = [rule.id for rule in rulebook.rules if rule.id in ids]
        return bool(entries) and ids == order and all(
            entry["text"] == rulebook.rules_by_id[entry["rule"]].reason
            and entry["source"] == rulebook.rules_by_id[entry["rule"]].source
            for entry in entries
        )

    def texts_come_from_the_catalogue(facts: Facts, body: Body) -> bool:
        cautions = [(c["code"], c["severity"], c["text"]) for c in body["cautions"]]
        preparation = [(p["code"], p["text"]) for p in body["preparation"]]
        catalogue = rulebook.cautions
        return (
            all((catalogue[code].severity, catalogue[code].text) == (severity, text)
                for code, severity, text in cautions)
            and all(rulebook.preparation[code] == text for code, text in preparation)
            and len({code for code, *_ in cautions}) == len(cautions)
            and len({code for code, _ in preparation}) == len(preparation)
        )

    def refer_means_not_recommended(facts: Facts, body: Body) -> bool:
        return not body["refer"] or not body["recommended"]

    def not_recommended_means_referral(facts: Facts, body: Body) -> bool:
        if body["decision"] != "not_recommended":
            return True
        stop = any(c["severity"] == "stop" for c in body["cautions"])
        return body["refer"] is True and "see_professional" in _codes(body, "preparation") and stop

    def every_contraindication_is_named(facts: Facts, body: Body) -> bool:
        cautions = _codes(body, "cautions")
        return all(facts[name] == (code in cautions) for name, code in CONTRAINDICATION_CAUTIONS.items())

    def assess_first_explains_the_test(facts: Facts, body: Body) -> bool:
        return body["decision"] != "assess_first" or "test_hip_ir" in _codes(body, "preparation")

    def low_back_pain_keeps_feet_on_wall(facts: Facts, body: Body) -> bool:
        if facts["low_back_pain"] and facts["wall"] and _recommending(body):
            return bool(body["variant"]["code"] == "feet_on_wall")
        return True

    def low_back_pain_without_wall_is_cautioned(facts: Facts, body: Body) -> bool:
        if facts["low_back_pain"] and not facts["wall"] and _recommending(body):
            return "low_back_without_wall" in _codes(body, "cautions")
        return True

    def current_pain_is_cautioned(facts: Facts, body: Body) -> bool:
        if not _recommending(body):
            return True
        cautioned = body["decision"] == "recommended_with_caution" and "current_pain" in _codes(body, "cautions")
        return cautioned == facts["current_pain"]

    def with_caution_means_an_extra_warning(facts: Facts, body: Body) -> bool:
        if not _recommending(body):
            return True
        extra = any(c["severity"] in ("warning", "stop") and c["code"] not in UNIVERSAL_CAUTIONS
                    for c in body["cautions"])
        return bool((body["decision"] == "recommended_with_caution") == extra)

    def women_hear_about_hip_structure(facts: Facts, body: Body) -> bool:
        if facts["female"] and body["decision"] != "not_recommended":
            return "female_hip_structure" in _codes(body, "cautions")
        return "female_hip_structure" not in _codes(body, "cautions")

    def not_needed_only_after_a_normal_test(facts: Facts, body: Body) -> bool:
        return body["decision"] != "not_needed" or facts["ir_normal"]

    def recommendation_has_an_indication(facts: Facts, body: Body) -> bool:
        return not _recommending(body) or facts["ir_limited"] or facts["risk_profile"]

    def limited_rotation_gets_the_drill(facts: Facts, body: Body) -> bool:
        return not facts["ir_limited"] or _contraindicated(facts) or _recommending(body)

    table: list[tuple[Callable[[Facts, Body], bool], str]] = [
        (contraindication_refers,
         "A structural condition (labrum, meniscus, bone) or a pinch at the front of the hip means the limit "
         "is not muscular and the drill must not be started (source); severe current pain needs a professional "
         "first (general practice). Each gives not_recommended with a referral."),
        (recommended_flag_matches,
         "`recommended` is the one field simple clients read: it must be true exactly for recommended and "
         "recommended_with_caution."),
        (recommendation_is_complete,
         "Whoever is told to do the drill must be told never to force the range, to stop on a pinch, which "
         "variant and when; whoever is not must not get instructions for doing it."),
        (soft_tissue_first_leads,
         "Soft-tissue work on the external rotators comes before the drill (source), so when it is not yet "
         "done it is the first thing to prepare."),
        (soft_tissue_only_for_the_drill,
         "Soft-tissue work is preparation for the drill: asked for exactly when the drill is recommended and "
         "the athlete does not already do it."),
        (untested_women_wait,
         "Women often already have ample hip IR (source): never recommend the drill to a woman whose IR has "
         "not been tested."),
        (no_wall_no_feet_on_wall,
         "Without a wall the feet-on-wall variant cannot be done; offering it, even as the alternative, "
         "misleads."),
        (rationale_names_real_rules,
         "Every result is explained: at least one rationale entry, each naming a rule of this rulebook with "
         "that rule's own reason and source, in rulebook order, none twice."),
        (texts_come_from_the_catalogue,
         "Each caution and preparation is given once, with the catalogue's text and severity, so a `stop` "
         "is never shown as a mere `info`."),
        (refer_means_not_recommended,
         "Someone sent to a professional must not also be told to go ahead with the drill."),
        (not_recommended_means_referral,
         "A refusal must say what to do instead: refer to a professional, with the see_professional step "
         "and at least one stop-level caution explaining why."),
        (every_contraindication_is_named,
         "Each contraindication present gets its own stop-level caution, even when another one already "
         "decided; and none is claimed that the answers do not show."),
        (assess_first_explains_the_test,
         "`assess_first` is only useful if it says how to test hip internal rotation."),
        (low_back_pain_keeps_feet_on_wall,
         "Feet on the wall is kinder to the lower back (source): with low-back pain and a wall, that is the "
         "variant."),
        (low_back_pain_without_wall_is_cautioned,
         "With low-back pain and no wall, the floor variant needs its own warning."),
        (current_pain_is_cautioned,
         "A recommendation despite current pain must be `recommended_with_caution` and say to stay pain-free; "
         "without pain there is nothing to caution about."),
        (with_caution_means_an_extra_warning,
         "`recommended_with_caution` means a warning changes how to do the drill, beyond the two every "
         "recommendation carries; a plain `recommended` has no such warning."),
        (women_hear_about_hip_structure,
         "Women are told why their IR may already be ample whenever the drill is considered for them (source), "
         "and the note is not shown to others."),
        (not_needed_only_after_a_normal_test,
         "Only a test showing normal IR can tell someone they do not need the drill."),
        (recommendation_has_an_indication,
         "The drill is recommended only for limited IR or a training load known to cost IR (frequent sumo, "
         "pitching, rotational sport)."),
        (limited_rotation_gets_the_drill,
         "Limited IR without a contraindication is what the drill is for: withholding it then is also wrong."),
    ]
    return tuple(Invariant(check.__name__, reason, check) for check, reason in table)
