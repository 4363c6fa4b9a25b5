"""What must hold for every screening, each with the reason a careful clinician would give.

An invariant reads the answers only through the named facts of `facts.FACTS`, and the
response body.

To add an invariant, write one function `(facts, body, rulebook) -> bool` under
`@invariant("the reason")`, and give tests/test_invariants.py a mistake it must catch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..rulebook import RECOMMENDING, Rulebook
from .facts import CONTRAINDICATION_CAUTIONS, UNIVERSAL_CAUTIONS

Facts = Mapping[str, bool]
Body = Mapping[str, Any]
Check = Callable[[Facts, Body, Rulebook], bool]

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


def _contraindicated(facts: Facts) -> bool:
    return any(facts[name] for name in CONTRAINDICATION_CAUTIONS)


@invariant("A structural condition (labrum, meniscus, bone) or a pinch at the front of the hip means the limit "
           "is not muscular and the drill must not be started (source); severe current pain needs a professional "
           "first (general practice). Each gives not_recommended with a referral.")
def contraindication_refers(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not _contraindicated(facts) or (body["decision"] == "not_recommended" and body["refer"] is True)


@invariant("`recommended` is the one field simple clients read: it must be true exactly for recommended and "
           "recommended_with_caution.")
def recommended_flag_matches(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return body["recommended"] is _recommending(body)


@invariant("Whoever is told to do the drill must be told never to force the range, to stop on a pinch, which "
           "variant and when; whoever is not must not get instructions for doing it.")
def recommendation_is_complete(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if not _recommending(body):
        return body["variant"] is None and body["timing"] == []
    cautions = _codes(body, "cautions")
    return all(code in cautions for code in UNIVERSAL_CAUTIONS) and bool(body["variant"]) and bool(body["timing"])


@invariant("Soft-tissue work on the external rotators comes before the drill (source), so when it is not yet "
           "done it is the first thing to prepare.")
def soft_tissue_first_leads(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if _recommending(body) and not facts["soft_tissue_done"]:
        return _codes(body, "preparation")[:1] == ["soft_tissue_first"]
    return True


@invariant("Soft-tissue work is preparation for the drill: asked for exactly when the drill is recommended and "
           "the athlete does not already do it.")
def soft_tissue_only_for_the_drill(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    wanted = _recommending(body) and not facts["soft_tissue_done"]
    return ("soft_tissue_first" in _codes(body, "preparation")) == wanted


@invariant("Women often already have ample hip IR (source): never recommend the drill to a woman whose IR has "
           "not been tested.")
def untested_women_wait(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not (facts["female"] and facts["ir_not_tested"]) or not _recommending(body)


@invariant("Without a wall the feet-on-wall variant cannot be done; offering it, even as the alternative, "
           "misleads.")
def no_wall_no_feet_on_wall(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    variant = body["variant"]
    return facts["wall"] or variant is None or "feet_on_wall" not in (variant["code"], variant["alternative"])


@invariant("Every result is explained: at least one rationale entry, each naming a rule of this rulebook with "
           "that rule's own reason and source, in rulebook order, none twice.")
def rationale_names_real_rules(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    entries = body["rationale"]
    ids = [entry["rule"] for entry in entries]
    order = [rule.id for rule in rulebook.rules if rule.id in ids]
    return bool(entries) and ids == order and all(
        entry["text"] == rulebook.rules_by_id[entry["rule"]].reason
        and entry["source"] == rulebook.rules_by_id[entry["rule"]].source
        for entry in entries
    )


@invariant("Each caution and preparation is given once, with the catalogue's text and severity, so a `stop` "
           "is never shown as a mere `info`.")
def texts_come_from_the_catalogue(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
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


@invariant("Someone sent to a professional must not also be told to go ahead with the drill.")
def refer_means_not_recommended(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not body["refer"] or not body["recommended"]


@invariant("A refusal must say what to do instead: refer to a professional, with the see_professional step "
           "and at least one stop-level caution explaining why.")
def not_recommended_means_referral(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if body["decision"] != "not_recommended":
        return True
    stop = any(c["severity"] == "stop" for c in body["cautions"])
    return body["refer"] is True and "see_professional" in _codes(body, "preparation") and stop


@invariant("Each contraindication present gets its own stop-level caution, even when another one already "
           "decided; and none is claimed that the answers do not show.")
def every_contraindication_is_named(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    cautions = _codes(body, "cautions")
    return all(facts[name] == (code in cautions) for name, code in CONTRAINDICATION_CAUTIONS.items())


@invariant("`assess_first` is only useful if it says how to test hip internal rotation.")
def assess_first_explains_the_test(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return body["decision"] != "assess_first" or "test_hip_ir" in _codes(body, "preparation")


@invariant("Feet on the wall is kinder to the lower back (source): with low-back pain and a wall, that is the "
           "variant.")
def low_back_pain_keeps_feet_on_wall(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if facts["low_back_pain"] and facts["wall"] and _recommending(body):
        return bool(body["variant"]["code"] == "feet_on_wall")
    return True


@invariant("With low-back pain and no wall, the floor variant needs its own warning.")
def low_back_pain_without_wall_is_cautioned(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if facts["low_back_pain"] and not facts["wall"] and _recommending(body):
        return "low_back_without_wall" in _codes(body, "cautions")
    return True


@invariant("A recommendation despite current pain must be `recommended_with_caution` and say to stay pain-free; "
           "without pain there is nothing to caution about.")
def current_pain_is_cautioned(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if not _recommending(body):
        return True
    cautioned = body["decision"] == "recommended_with_caution" and "current_pain" in _codes(body, "cautions")
    return cautioned == facts["current_pain"]


@invariant("`recommended_with_caution` means a warning changes how to do the drill, beyond the two every "
           "recommendation carries; a plain `recommended` has no such warning.")
def with_caution_means_an_extra_warning(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if not _recommending(body):
        return True
    extra = any(c["severity"] in ("warning", "stop") and c["code"] not in UNIVERSAL_CAUTIONS
                for c in body["cautions"])
    return bool((body["decision"] == "recommended_with_caution") == extra)


@invariant("Women are told why their IR may already be ample whenever the drill is considered for them (source), "
           "and the note is not shown to others.")
def women_hear_about_hip_structure(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    if facts["female"] and body["decision"] != "not_recommended":
        return "female_hip_structure" in _codes(body, "cautions")
    return "female_hip_structure" not in _codes(body, "cautions")


@invariant("Only a test showing normal IR can tell someone they do not need the drill.")
def not_needed_only_after_a_normal_test(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return body["decision"] != "not_needed" or facts["ir_normal"]


@invariant("The drill is recommended only for limited IR or a training load known to cost IR (frequent sumo, "
           "pitching, rotational sport).")
def recommendation_has_an_indication(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not _recommending(body) or facts["ir_limited"] or facts["risk_profile"]


@invariant("Limited IR without a contraindication is what the drill is for: withholding it then is also wrong.")
def limited_rotation_gets_the_drill(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not facts["ir_limited"] or _contraindicated(facts) or _recommending(body)
