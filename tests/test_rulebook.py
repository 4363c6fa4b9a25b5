from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from service import create_app, rulebook
from service.rulebook import RulebookError, conditions


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1))


def test_the_shipped_rulebook_loads() -> None:
    book = rulebook.load()
    assert [q.id for q in book.questions] == [
        "red_flags", "age", "recent_surgery", "recent_injury", "structural_conditions", "pain_areas",
        "pain_severity", "sex", "sports", "lifting_style", "sumo_days_per_week", "squats",
        "prior_soft_tissue_work", "wall_available", "hip_ir", "hip_pinch",
    ]
    assert re.fullmatch(r"2\.0\.0\+[0-9a-f]{12}", book.rules_version)
    assert [r.id for r in book.rules if r.group == "decision"][-1] == "no_indication_yet"


def test_rules_version_follows_the_content(rules_copy: Path) -> None:
    before = rulebook.load(rules_copy).rules_version
    edit(rules_copy / "catalogue.yaml", "with no force.", "with no force at all.")
    assert rulebook.load(rules_copy).rules_version != before


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("decision.yaml", "    group: decision\n    source: interpretation\n    when: {hip_pinch: true}",
         "    group: decision\n    source: interpretation\n    colour: red\n    when: {hip_pinch: true}",
         r"decision.yaml: rules\[8\] \(id hip_pinch\): unknown key 'colour'"),
        ("decision.yaml", "when: {hip_pinch: true}", "when: {hip_pin: true}",
         r"decision.yaml: rule hip_pinch: when: unknown field or keyword 'hip_pin'"),
        ("decision.yaml", "cautions: [hip_pinch_reported]", "cautions: [hip_pinched]",
         r"decision.yaml: rule hip_pinch: cautions: 'hip_pinched' not in catalogue.yaml"),
        ("decision.yaml", "decision: not_needed\n    reason: The", "decision: unneeded\n    reason: The",
         r"decision.yaml: rules\[13\] \(id ir_normal_without_training_load\): decision: 'unneeded' is not one of"),
        ("decision.yaml", "when: {sex: female, hip_ir: not_tested}", "when: {sex: woman, hip_ir: not_tested}",
         r"decision.yaml: rule female_ir_not_tested: when: sex: 'woman' is not one of"),
        ("variant.yaml", "code: feet_on_floor\n      alternative: null", "code: feet_up\n      alternative: null",
         r"variant.yaml: rules\[0\] \(id variant_no_wall\): variant.code: 'feet_up' is not one of"),
        ("timing.yaml", "group: timing_after_event", "group: timing_after_events",
         r"timing.yaml: rule after_event_throwing_or_rotational: group 'timing_after_events' is not declared"),
        ("decision.yaml", "    when: always\n    decision: assess_first",
         "    when: {squats: true}\n    decision: assess_first",
         r"decision.yaml: rule no_indication_yet: the last rule of required group decision must be 'when: always'"),
        ("cautions.yaml", "rules: [female_ir_not_tested, growing_hip_check_note]", "rules: [female_ir_not_tested]",
         r"cautions.yaml: rule growing_hip_check_note: no example in this file expects it"),
        ("preparation.yaml", "    source: seed\n", "    source: folklore\n",
         r"preparation.yaml: rules\[0\] \(id soft_tissue_before_drill\): source: 'folklore' is not one of seed"),
        ("questionnaire.yaml", "    maximum: 10\n", "",
         r"questionnaire.yaml: question pain_severity: integer questions need integer minimum and maximum"),
        ("questionnaire.yaml", "label: Team field sports}", "label: Team, field sports}",
         r"questionnaire.yaml: questions\[8\] \(id sports\): options\[3\]: unknown key 'field sports'"),
        ("rulebook.yaml", "  - preparation.yaml\n", "  - preparations.yaml\n",
         r"preparations.yaml: cannot be read"),
        ("timing.yaml", "rules:\n", "rules:\n  - [not, a, rule\n", r"timing.yaml: not valid YAML"),
    ],
)
def test_a_bad_rulebook_fails_naming_file_and_rule(
    rules_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit(rules_copy / file, old, new)
    with pytest.raises(RulebookError, match=message):
        rulebook.load(rules_copy)


def test_duplicate_rule_ids_are_rejected(rules_copy: Path) -> None:
    edit(rules_copy / "cautions.yaml", "- id: stop_if_pinching_always", "- id: gentle_range_always")
    with pytest.raises(RulebookError, match=r"cautions.yaml: rule gentle_range_always: the id is already used"):
        rulebook.load(rules_copy)


def test_start_up_fails_when_an_example_contradicts_the_rules(rules_copy: Path) -> None:
    edit(rules_copy / "rulebook.yaml", "    pain_severity: {gte: 7}\n", "    pain_severity: {gte: 9}\n")
    expected = r"decision.yaml: example severe low-back pain: decision: expected 'not_recommended'"
    with pytest.raises(RulebookError, match=expected):
        create_app({"RULES_DIR": str(rules_copy)})


def test_start_up_fails_when_an_example_has_invalid_answers(rules_copy: Path) -> None:
    edit(rules_copy / "preparation.yaml", "lifting_style: none, prior_soft_tissue_work: false}",
         "lifting_style: none, prior_soft_tissue_work: 0}")
    with pytest.raises(RulebookError, match=r"preparation.yaml: example no soft-tissue work yet: invalid answers"):
        create_app({"RULES_DIR": str(rules_copy)})


def test_questionnaire_json_carries_everything_a_form_needs() -> None:
    questions = {q["id"]: q for q in rulebook.load().questionnaire_json()["questions"]}
    sumo = questions["sumo_days_per_week"]
    assert (sumo["minimum"], sumo["maximum"], sumo["default"], sumo["required"]) == (0, 7, None, False)
    assert sumo["show_if"] == {"lifting_style": {"in": ["sumo", "mixed"]}}
    assert questions["lifting_style"]["controls"] == ["sumo_days_per_week"] and sumo["controls"] == []
    assert questions["sex"]["required"] is True and "default" not in questions["sex"]
    assert questions["sports"]["unique_items"] is True
    assert questions["sports"]["options"][2]["value"] == "rotational"


def test_shown_is_the_one_meaning_of_show_if() -> None:
    """Shown when every named question is shown and answered with a listed value; behind a hidden one, hidden."""
    book = rulebook.load()
    test = conditions.parse({"sumo_days_per_week": 2}, {q.id: q for q in book.questions}, {})
    chained = tuple(dataclasses.replace(q, show_if={"sumo_days_per_week": test}) if q.id == "squats" else q
                    for q in book.questions)
    book = dataclasses.replace(book, questions=chained)
    assert "squats" in book.shown({"lifting_style": "sumo", "sumo_days_per_week": 2})
    assert "squats" not in book.shown({"lifting_style": "sumo", "sumo_days_per_week": 3})
    assert "squats" not in book.shown({"lifting_style": "conventional", "sumo_days_per_week": 2})
    assert "sumo_days_per_week" not in book.shown({})
    shown = book.shown({"lifting_style": "mixed"})
    assert shown[shown.index("lifting_style") + 1] == "sumo_days_per_week" and "pain_severity" not in shown
    assert book.controls("lifting_style") == ("sumo_days_per_week", "squats")  # through the question it shows
    assert book.controls("sumo_days_per_week") == ("squats",) and book.controls("squats") == ()
