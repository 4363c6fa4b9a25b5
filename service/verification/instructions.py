"""The invariants about how to do the drill: what a recommendation must say, and what it must not.

They register with `invariants.invariant` like the safety invariants, and are reported after them.
"""

from __future__ import annotations

from ..rulebook import Rulebook
from .facts import UNIVERSAL_CAUTIONS, derive
from .invariants import Body, Facts, _codes, _recommending, invariant


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


@invariant("Only a test showing normal IR can tell someone they do not need the drill.")
def not_needed_only_after_a_normal_test(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return body["decision"] != "not_needed" or facts["ir_normal"]


@invariant("The drill is recommended only for limited IR or a training load known to cost IR (frequent sumo, "
           "pitching, rotational sport).")
def recommendation_has_an_indication(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    return not _recommending(body) or facts["ir_limited"] or derive(facts)["training_load"]


@invariant("Limited IR in an adult with no reason not to move is what the drill is for: withholding it then is "
           "also wrong.")
def limited_rotation_gets_the_drill(facts: Facts, body: Body, rulebook: Rulebook) -> bool:
    known = derive(facts)
    return not facts["ir_limited"] or known["ruled_out"] or facts["growing"] or _recommending(body)
