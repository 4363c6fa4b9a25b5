"""Each invariant holds on real screenings and catches the mistake it is written against."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from conftest import NO_REASON_NOT_TO_MOVE

from service import rulebook
from service.rulebook import conditions
from service.screening.screener import Screener
from service.verification import invariants
from service.verification.facts import FACTS

BOOK = rulebook.load()
SCREENER = Screener(BOOK)
CHECKS = dict(invariants.PER_CASE)
BASE = {**NO_REASON_NOT_TO_MOVE, "sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True}


def facts_of(answers: dict[str, Any]) -> dict[str, bool]:
    return {name: conditions.holds(conditions.parse(raw, BOOK.fields, {}), answers)
            for name, raw in FACTS.items()}


def screened(**overrides: Any) -> tuple[dict[str, bool], dict[str, Any]]:
    answers = SCREENER.load({**BASE, **overrides})
    return facts_of(answers), SCREENER.screen(answers).dict()


def drop(key: str, code: str) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        body[key] = [item for item in body[key] if item["code"] != code]
    return edit


def set_(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        body[key] = value
    return edit


def test_every_invariant_has_a_reason() -> None:
    assert all(check.reason for check in CHECKS.values())
    assert all(reason for reason in invariants.ACROSS_CASES.values())
    assert not set(CHECKS) & set(invariants.ACROSS_CASES)


def test_the_registry_refuses_a_name_twice_and_an_invariant_without_a_reason() -> None:
    def monotonic_safety(facts: invariants.Facts, body: invariants.Body, book: rulebook.Rulebook) -> bool:
        return True

    for reason, check in [("again", invariants.red_flag_stands_alone), ("again", monotonic_safety),
                          ("", lambda facts, body, book: True)]:
        with pytest.raises(ValueError, match="a second one of that name, or no reason"):
            invariants.invariant(reason)(check)
    assert invariants.PER_CASE["red_flag_stands_alone"].holds is invariants.red_flag_stands_alone
    assert "monotonic_safety" not in invariants.PER_CASE and "<lambda>" not in invariants.PER_CASE


@pytest.mark.parametrize("example", BOOK.examples, ids=lambda e: f"{e.file}:{e.name}")
def test_every_invariant_holds_on_the_rule_examples(example: rulebook.Example) -> None:
    facts, body = screened(**example.answers)
    assert [name for name, check in CHECKS.items() if not check.holds(facts, body, BOOK)] == []


def add_caution(code: str) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        body["cautions"].append({"code": code, **vars(BOOK.cautions[code])})
    return edit


PAIN = {"pain_severity": 2}
BROKEN: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], None]]] = [
    ("red_flag_stands_alone", {"red_flags": ["unwell"]}, set_("refer_urgency", "routine")),
    ("red_flag_stands_alone", {"red_flags": ["night_pain"], "structural_conditions": ["labral_tear"]},
     add_caution("structural_restriction")),
    ("growing_joint_pain_is_urgent", {"age": 14, "pain_areas": ["knee"], **PAIN}, set_("refer_urgency", "routine")),
    ("reasons_not_to_move_refer", {"structural_conditions": ["labral_tear"]}, set_("refer", False)),
    ("reasons_not_to_move_refer", {"recent_injury": True, "hip_ir": "limited"}, set_("decision", "assess_first")),
    ("every_reason_not_to_move_is_named", {"structural_conditions": ["other"], "recent_surgery": ["knee"]},
     drop("cautions", "recent_surgery")),
    # v2: a pinch is a movement answer, so once a joint condition rules moving out it is not named
    ("every_reason_not_to_move_is_named", {"structural_conditions": ["other"], "hip_pinch": True},
     add_caution("hip_pinch_reported")),
    ("every_reason_not_to_move_is_named", {"hip_ir": "limited"}, add_caution("severe_pain")),
    ("hip_replacement_precautions_are_named", {"structural_conditions": ["hip_replacement"]},
     drop("cautions", "hip_replacement_precautions")),
    ("refer_matches_urgency", {"hip_pinch": True}, set_("refer_urgency", None)),
    ("referral_step_matches_urgency", {"hip_pinch": True}, set_("refer_urgency", "urgent")),
    ("not_recommended_means_referral", {"hip_pinch": True}, set_("cautions", [])),
    ("refer_means_not_recommended", {"hip_ir": "limited"}, set_("refer", True)),
    ("painful_hip_is_not_worked", {"hip_ir": "limited", "pain_areas": ["groin"], **PAIN}, set_("refer", False)),
    ("pain_of_4_is_addressed", {"hip_ir": "normal", "pain_areas": ["knee"], "pain_severity": 5},
     drop("cautions", "pain_check")),
    ("untested_hips_wait_unless_male", {"sex": "female", "sumo_days_per_week": 5, "lifting_style": "sumo"},
     set_("decision", "recommended")),
    ("growing_hips_are_tested_first", {"age": 14, "hip_ir": "limited"}, set_("decision", "assess_first")),
    # v2: sex matters only while rotation is untested, so a tested woman gets no hip-structure note
    ("hip_structure_note_only_before_a_test", {"sex": "female"}, drop("cautions", "female_hip_structure")),
    ("hip_structure_note_only_before_a_test", {"sex": "female", "hip_ir": "limited"},
     add_caution("female_hip_structure")),
    ("growing_athletes_hear_about_the_test", {"age": 14}, drop("cautions", "growing_hip_check")),
    ("recommended_flag_matches", {"hip_ir": "limited"}, set_("recommended", False)),
    ("recommendation_is_complete", {"hip_ir": "limited"}, drop("cautions", "stop_if_pinching")),
    ("recommendation_is_complete", {"hip_ir": "limited"}, set_("timing", [])),
    ("recommendation_is_complete", {"hip_ir": "normal"},
     set_("variant", {"code": "feet_on_wall", "alternative": None, "reason": "x"})),
    ("soft_tissue_first_leads", {"hip_ir": "limited", "prior_soft_tissue_work": False},
     lambda body: body["preparation"].insert(0, {"code": "test_hip_ir", "text": BOOK.preparation["test_hip_ir"]})),
    ("soft_tissue_only_for_the_drill", {"hip_ir": "normal", "prior_soft_tissue_work": False},
     set_("preparation", [{"code": "soft_tissue_first", "text": BOOK.preparation["soft_tissue_first"]}])),
    ("no_wall_no_feet_on_wall", {"hip_ir": "limited", "wall_available": False},
     set_("variant", {"code": "feet_on_floor", "alternative": "feet_on_wall", "reason": "x"})),
    ("rationale_names_real_rules", {}, set_("rationale", [])),
    ("rationale_names_real_rules", {}, set_("rationale", [{"rule": "made_up", "source": "seed", "text": "x"}])),
    ("rationale_names_real_rules", {"hip_ir": "limited"}, lambda body: body["rationale"].reverse()),
    ("texts_come_from_the_catalogue", {"hip_ir": "limited"},
     lambda body: body["cautions"][1].update(severity="info")),
    ("assess_first_explains_the_test", {}, drop("preparation", "test_hip_ir")),
    ("low_back_pain_keeps_feet_on_wall", {"hip_ir": "limited", "pain_areas": ["low_back"], **PAIN},
     set_("variant", {"code": "feet_on_floor", "alternative": None, "reason": "x"})),
    ("low_back_pain_without_wall_is_cautioned",
     {"hip_ir": "limited", "pain_areas": ["low_back"], **PAIN, "wall_available": False},
     drop("cautions", "low_back_without_wall")),
    ("current_pain_is_cautioned", {"hip_ir": "limited", "pain_areas": ["low_back"], "pain_severity": 3},
     drop("cautions", "current_pain")),
    ("with_caution_means_an_extra_warning", {"hip_ir": "limited"}, set_("decision", "recommended_with_caution")),
    ("not_needed_only_after_a_normal_test", {}, set_("decision", "not_needed")),
    ("recommendation_has_an_indication", {"hip_ir": "normal"}, set_("decision", "recommended")),
    ("limited_rotation_gets_the_drill", {"hip_ir": "limited"}, set_("decision", "assess_first")),
]


@pytest.mark.parametrize(("name", "overrides", "edit"), BROKEN, ids=[f"{b[0]}-{i}" for i, b in enumerate(BROKEN)])
def test_each_invariant_catches_its_mistake(name: str, overrides: dict[str, Any],
                                            edit: Callable[[dict[str, Any]], None]) -> None:
    facts, body = screened(**overrides)
    assert CHECKS[name].holds(facts, body, BOOK), "the real screening must pass before it is broken"
    broken = copy.deepcopy(body)
    edit(broken)
    assert not CHECKS[name].holds(facts, broken, BOOK)


def test_every_invariant_is_tried_against_a_mistake() -> None:
    assert {name for name, _, _ in BROKEN} == set(CHECKS)
