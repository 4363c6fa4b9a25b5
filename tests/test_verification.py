"""The whole answer space through the real engine, and the verifier catching broken rulebooks."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from service import rulebook, verification
from service.rulebook import conditions
from service.screening.screener import Screener
from service.verification import invariants, run

BOOK = rulebook.load()
SPEC: dict[str, Any] = yaml.safe_load((Path(__file__).parent.parent / "openapi.yaml").read_text())

# Everything but the diagnosed conditions, injury, pain, the pinch and the wall is fixed: screened in-process.
SMALL = {"red_flags": [], "age": 30, "recent_surgery": [], "sex": "male", "sports": [], "lifting_style": "none",
         "sumo_days_per_week": None, "squats": False, "prior_soft_tissue_work": True, "hip_ir": "limited"}
ACROSS = ("monotonic_safety", "sex_never_changes_a_tested_decision", "no_movement_answer_once_ruled_out",
          "no_safety_answer_has_a_default")


@pytest.fixture(scope="module")
def report() -> verification.Report:
    return verification.verify(BOOK, processes=2)


@pytest.mark.slow
def test_every_case_is_screened_twice_and_every_check_passes(report: verification.Report) -> None:
    print(f"\nexhaustive verification: {report.run.screenings:,} screenings in {report.run.seconds:.1f} s")
    assert report.partition.classes == 17_301_504
    assert len(report.cases) == len(report.partition.cubes) == 3_086, "one screening per cube of classes"
    assert report.run.screenings == 2 * len(report.cases)
    assert report.proof.problems == []
    assert report.run.disagreements == [] and report.run.nondeterministic == []
    assert [failure.invariant for failure in report.failures] == []
    per_case = {*invariants.PER_CASE, "deterministic", "sex_never_changes_a_tested_decision",
                "no_movement_answer_once_ruled_out"}
    assert report.invariant_cases == {**dict.fromkeys(per_case, 3_086), "monotonic_safety": 17_301_504,
                                      "no_safety_answer_has_a_default": len(BOOK.questions)}
    assert report.ok


@pytest.mark.slow
def test_classes_screened_once_decide_like_the_case_that_stands_for_them(report: verification.Report) -> None:
    """A sample of classes through the engine, each against the one screening of its cube."""
    partition, screener, rng = report.partition, Screener(BOOK), random.Random(5)
    sampled = 0
    while sampled < 300:
        key = [rng.randrange(field.size) for field in partition.space.fields]
        met = partition.meeting([frozenset((index,)) for index in key])
        if not met:
            continue  # not a valid class: an answer to a question its show_if hides
        assert len(met) == 1
        sampled += 1
        case = {field.question.id: partition.value(slot, index) for slot, (field, index)
                in enumerate(zip(partition.space.fields, key, strict=True))}
        assert screener.screen(case).outcome.to_json(BOOK) == report.run.body(met[0])


@pytest.mark.slow
def test_every_rule_code_and_decision_is_reached_and_no_rule_is_shadowed(report: verification.Report) -> None:
    assert report.unreachable == [] and report.shadowed == []
    assert all(report.rule_effects[rule.id] > 0 for rule in BOOK.rules)
    assert all(report.rule_matches[rule_id] >= count for rule_id, count in report.rule_effects.items())
    assert set(report.reached["decision"]) == set(rulebook.DECISIONS)
    assert set(report.reached["caution"]) == set(BOOK.cautions)
    assert sum(report.reached["decision"].values()) == len(report.cases)


@pytest.mark.slow
def test_every_distinct_response_follows_the_published_contract(report: verification.Report) -> None:
    validator = Draft202012Validator({"$ref": "#/components/schemas/Screening", "components": SPEC["components"]})
    for body in report.run.bodies.values():
        errors = [error.message for error in validator.iter_errors({"id": "scr_" + "0" * 32, **body})]
        assert errors == [], body


@pytest.mark.slow
def test_the_command_prints_the_report_and_exits_0(report: verification.Report, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(run, "verify", lambda book, processes: report)
    assert verification.main(["--processes", "2"]) == 0
    printed = capsys.readouterr().out
    assert "17,301,504 valid classes; 3,086 cases" in printed
    assert "sex_never_changes_a_tested_decision" in printed
    assert printed.rstrip().endswith("result: OK")
    for rule in BOOK.rules:
        assert f"  {rule.id} " in printed


def test_the_command_refuses_zero_processes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        verification.main(["--processes", "0"])
    assert exited.value.code == 2


def with_rules(*rules: rulebook.Rule) -> rulebook.Rulebook:
    return dataclasses.replace(BOOK, rules=rules)


def replaced(rule_id: str, **changes: Any) -> tuple[rulebook.Rule, ...]:
    return tuple(dataclasses.replace(rule, **changes) if rule.id == rule_id else rule for rule in BOOK.rules)


def failed(report: verification.Report) -> dict[str, verification.Failure]:
    return {failure.invariant: failure for failure in report.failures}


def test_a_contraindication_that_recommends_is_caught() -> None:
    book = with_rules(*replaced("joint_condition", decision="recommended", refer=None, cautions=(),
                                preparation=()))
    report = verification.verify(book, SMALL, processes=1)
    failures = failed(report)
    assert {"reasons_not_to_move_refer", "monotonic_safety", "every_reason_not_to_move_is_named"} <= set(failures)
    assert failures["reasons_not_to_move_refer"].example["structural_conditions"] == ["labral_tear"]
    assert not report.ok
    assert "FAILED reasons_not_to_move_refer" in report.render()
    assert report.render().endswith("result: FAILED")


def test_the_unnamed_second_contraindication_found_by_the_verification_is_caught() -> None:
    """Without the *_as_well rules, only the deciding reason would be named."""
    book = with_rules(*(rule for rule in BOOK.rules if not rule.id.endswith("_as_well")))
    failure = failed(verification.verify(book, SMALL, processes=1))["every_reason_not_to_move_is_named"]
    assert failure.example["structural_conditions"] or failure.example["recent_injury"]


def test_a_missing_variant_is_unreachable_and_breaks_the_wall_invariant() -> None:
    book = with_rules(*(rule for rule in BOOK.rules if rule.id != "variant_no_wall"))
    report = verification.verify(book, SMALL, processes=1)
    assert "variant feet_on_floor" in report.unreachable
    assert failed(report)["no_wall_no_feet_on_wall"].example["wall_available"] is False


def test_a_duplicated_rule_is_shadowed() -> None:
    """Right after its twin, either copy can go without changing what anyone is told."""
    rules = list(BOOK.rules)
    gentle = BOOK.rules_by_id["gentle_range_always"]
    rules.insert(rules.index(gentle) + 1, dataclasses.replace(gentle, id="gentle_range_again"))
    report = verification.verify(with_rules(*rules), SMALL, processes=1)
    assert {"gentle_range_always", "gentle_range_again"} <= set(report.shadowed)


def test_a_duplicate_that_reorders_the_cautions_is_not_shadowed() -> None:
    """Removing the first copy moves gentle_range after stop_if_pinching: a visible change."""
    gentle = BOOK.rules_by_id["gentle_range_always"]
    report = verification.verify(with_rules(*BOOK.rules, dataclasses.replace(gentle, id="gentle_range_again")),
                                 SMALL, processes=1)
    assert "gentle_range_again" in report.shadowed and "gentle_range_always" not in report.shadowed


def test_an_engine_that_changes_its_mind_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[str] = set()
    honest = Screener.matching_rules

    def fickle(self: Screener, answers: Any) -> frozenset[str]:
        """Forgets a rule the second time it sees the same answers."""
        matched = honest(self, answers)
        again = json.dumps(answers, sort_keys=True) in seen
        seen.add(json.dumps(answers, sort_keys=True))
        return matched - {"gentle_range_always"} if again else matched

    monkeypatch.setattr(Screener, "matching_rules", fickle)
    report = verification.verify(BOOK, SMALL, processes=1)
    assert failed(report)["deterministic"].cases > 0


def test_an_engine_condition_that_differs_from_the_rule_is_caught() -> None:
    wrong = conditions.to_durable(conditions.parse({"hip_pinch": False}, BOOK.fields, {}), BOOK.fields)
    report = verification.verify(with_rules(*replaced("hip_pinch", durable_condition=wrong)), SMALL, processes=1)
    assert any("durable-rules matched other rules than the conditions say" in p for p in report.proof.problems)


def test_a_field_the_engine_reads_behind_the_answer_space_is_caught() -> None:
    book = with_rules(*replaced("before_training_squat_day", when=conditions.Always()))
    report = verification.verify(book, SMALL, processes=1)
    assert "squats: durable-rules reads it, but the answer space treats it as unread" in report.proof.problems
