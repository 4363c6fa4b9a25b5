"""What must hold for every screening, each with the reason a careful clinician would give.

An invariant reads the answers only through the named facts of `facts.FACTS`, and the
response body.

To add an invariant, write one function `(facts, body, rulebook) -> bool` under
`@invariant("the reason")`, here (safety) or in `instructions.py` (how to do the drill), and
give tests/test_invariants.py a mistake it must catch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..rulebook import RECOMMENDING, Rulebook
from .facts import BEFORE_MOVING, FROM_MOVING, derive

Facts = Mapping[str, bool]
Body = Mapping[str, Any]
Check = Callable[[Facts, Body, Rulebook], bool]

ACROSS_CASES = {
    "monotonic_safety": (
        "Adding a red flag, an operation, an injury, a diagnosed condition, a painful area, more pain, a "
        "hip pinch, or being under 18 to any answers never raises the decision's rank (DECISION_RANK), "
        "never withdraws a referral and never makes it less urgent: more risk must never make the drill "
        "more available."
    ),
    "sex_never_changes_a_tested_decision": (
        "The source's caution about women concerns hips that have not been tested: once hip rotation "
        "tested limited or normal, changing only `sex` never changes the decision or the referral."
    ),
    "no_movement_answer_once_ruled_out": (
        "Once an answer before the movement questions rules moving out, the result never depends on the "
        "rotation test or the pinch test: a form need not, and must not, ask the athlete to try them."
    ),
    "no_safety_answer_has_a_default": (
        "An unanswered safety question is never \"no\": every question that can stop the drill is "
        "required and has no default, and any other question a referring rule reads defaults to "
        "\"not known yet\"."
    ),
    "deterministic": (
        "The same answers always get the same result, whatever was screened before and in whichever "
        "engine instance: every case is screened a second time, by fresh engines in the worker "
        "processes, in reverse order and split differently."
    ),
}
"""The invariants that compare screenings with each other; `checks` runs them."""


@dataclass(frozen=True)
class Invariant:
    name: str
    reason: str
    holds: Check


_registered: dict[str, Invariant] = {}
PER_CASE: Mapping[str, Invariant] = MappingProxyType(_registered)
"""Every invariant checked on each screening, by name, in the order they are written."""


def invariant(reason: str) -> Callable[[Check], Check]:
    """Register the decorated function as an invariant of every screening, with its reason."""
    def register(check: Check) -> Check:
        name = check.__name__
        if name in _registered or name in ACROSS_CASES or not reason:
            raise ValueError(f"invariant {name}: a second one of that name, or no reason")
        _registered[name] = Invariant(name, reason, check)
        return check
    return register


def _codes(body: Body, key: str) -> list[str]:
    return [item["code"] for item in body[key]]


def _recommending(body: Body) -> bool:
    return body["decision"] in RECOMMENDING


@invariant("A red flag (pain at night or at rest, feeling unwell, numbness or weakness, bladder or bowel trouble) "
           "can mean disease that exercise cannot treat: not_recommended with an urgent referral and the red_flag "
           "stop caution, and nothing else, whatever the other answers, so that a form can stop at once.")
def red_flag_stands_alone(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if not facts["red_flag"]:
        return "red_flag" not in _codes(body, "cautions")
    return (body["decision"] == "not_recommended" and body["refer_urgency"] == "urgent"
            and _codes(body, "cautions") == ["red_flag"] and _codes(body, "preparation") == ["see_doctor_promptly"])


@invariant("Hip, groin or knee pain under 18 is the picture of a slipping growth plate at the hip (SCFE): "
           "not_recommended, referred urgently.")
def growing_joint_pain_is_urgent(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not derive(facts)["growing_joint_pain"] or (
        body["decision"] == "not_recommended" and body["refer_urgency"] == "urgent")


@invariant("Every reason not to move (recent surgery, a hip replacement, a diagnosed joint problem, a recent "
           "injury, hip or groin pain, severe pain, a pinch, a limited growing hip) gives not_recommended with a "
           "referral.")
def reasons_not_to_move_refer(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not derive(facts)["ruled_out"] or (body["decision"] == "not_recommended" and body["refer"] is True)


@invariant("Without a red flag, each reason not to move known before the movement questions gets its own stop "
           "caution, even when another one decided; the reasons known only from moving (a pinch, a limited growing "
           "hip) are named only when nothing before them ruled movement out, so the result never depends on a "
           "movement the athlete should not try; and no caution claims a reason the answers do not show.")
def every_reason_not_to_move_is_named(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    known = derive(facts)
    if known["red_flag"]:
        return True
    cautions = _codes(body, "cautions")
    before = all(known[name] == (code in cautions) for name, code in BEFORE_MOVING.items())
    moving = all((known[name] and not known["ruled_out_before_moving"]) == (code in cautions)
                 for name, code in FROM_MOVING.items())
    return before and moving


@invariant("After a hip replacement, turning the knee in or across the midline can dislocate the new joint: "
           "the replacement precautions are always named (unless a red flag stands alone).")
def hip_replacement_precautions_are_named(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    named = "hip_replacement_precautions" in _codes(body, "cautions")
    return named == (facts["hip_replacement"] and not facts["red_flag"])


@invariant("`refer` is true exactly when `refer_urgency` is routine or urgent.")
def refer_matches_urgency(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return body["refer_urgency"] in (None, "routine", "urgent") and body["refer"] is (body["refer_urgency"] is not None)


@invariant("A referral says whom to see and how soon: an urgent one the see_doctor_promptly step, a routine one "
           "the see_professional step, and never both.")
def referral_step_matches_urgency(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    steps = _codes(body, "preparation")
    urgency = body["refer_urgency"]
    return bool(("see_doctor_promptly" in steps) == (urgency == "urgent")
                and ("see_professional" in steps) == (urgency == "routine"))


@invariant("A refusal must say what to do instead: a referral and at least one stop-level caution explaining why.")
def not_recommended_means_referral(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if body["decision"] != "not_recommended":
        return True
    return body["refer"] is True and any(c["severity"] == "stop" for c in body["cautions"])


@invariant("Someone sent to a professional must not also be told to go ahead with the drill.")
def refer_means_not_recommended(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not body["refer"] or not body["recommended"]


@invariant("Hip or groin pain of any severity can come from the joint (impingement, labrum, early arthritis), "
           "which the drill is not for (source): never recommended, and no soft-tissue work on a painful hip.")
def painful_hip_is_not_worked(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not facts["hip_or_groin_pain"] or (
        not _recommending(body) and body["refer"] is True and "soft_tissue_first" not in _codes(body, "preparation"))


@invariant("Pain of 4/10 or more is never left unsaid: a pain caution or a referral, whatever the decision.")
def pain_of_4_is_addressed(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    pain_codes = {"current_pain", "pain_check", "severe_pain", "hip_groin_pain", "growing_joint_pain"}
    return not facts["pain_4_or_more"] or body["refer"] is True or bool(pain_codes & set(_codes(body, "cautions")))


@invariant("Hips that have not been tested are not given the drill unless the athlete is a man: many women "
           "already have ample hip IR (source), and `other` and `prefer_not_to_say` are treated as cautiously.")
def untested_hips_wait_unless_male(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not (facts["ir_not_tested"] and not facts["male"]) or not _recommending(body)


@invariant("A growing hip is tested before a drill is added, and a limit found is examined, not stretched.")
def growing_hips_are_tested_first(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if not facts["growing"]:
        return True
    if facts["ir_limited"]:
        return body["decision"] == "not_recommended" and body["refer"] is True
    return not facts["ir_not_tested"] or not _recommending(body)


@invariant("The hip-structure note is about untested hips: given exactly when an untested athlete who is not "
           "a man is told to test first.")
def hip_structure_note_only_before_a_test(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    wanted = facts["ir_not_tested"] and not facts["male"] and body["decision"] == "assess_first"
    return ("female_hip_structure" in _codes(body, "cautions")) == wanted


@invariant("A growing athlete told to test first is told what a limit would mean.")
def growing_athletes_hear_about_the_test(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    wanted = facts["growing"] and body["decision"] == "assess_first"
    return ("growing_hip_check" in _codes(body, "cautions")) == wanted


# The invariants about how to do the drill register after these, in report order.
from . import instructions  # noqa: E402, F401
