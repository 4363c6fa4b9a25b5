"""The preview is exact: checked against the real engine on every completion, not on a sample."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from service import create_app, rulebook
from service.rulebook import RulebookError, conditions
from service.rulebook.conditions import AllOf, AnyOf, Atom, Condition, Not
from service.screening import answer_space
from service.screening.preview import Previewer
from service.screening.screener import Screener

BOOK = rulebook.load()
QUESTIONS = {question.id: question for question in BOOK.questions}
CONTRAINDICATIONS = ["hip_pinch", "structural_conditions", "pain_severity"]
NO_CONTRAINDICATION = {"hip_pinch": False, "structural_conditions": [], "pain_severity": 0, "pain_areas": []}


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(BOOK)


@pytest.fixture(scope="module")
def previewer(screener: Screener) -> Previewer:
    return Previewer(screener)


def domain(question: rulebook.Question) -> list[Any]:
    """Every valid answer to a question."""
    return list(question.kind.values(question))


def shown(question: rulebook.Question, answers: Mapping[str, Any]) -> bool:
    """The questionnaire's show_if, as documented in questionnaire.yaml."""
    return all(answers[controller] in values for controller, values in question.show_if.items())


def show_if_conditions() -> list[Condition]:
    return [
        conditions.parse({controller: {"in": list(values)}}, BOOK.fields, {})
        for question in BOOK.questions for controller, values in question.show_if.items()
    ]


# Every rule's classes, split further where show_if looks: enough to run each completion once.
FULL_SPACE = answer_space.build(BOOK, extra=show_if_conditions())


def completions(given: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One answer set per class of completions of `given`, as the preview defines completions."""
    for case in FULL_SPACE.cases(fixed=given):
        hidden_moved = any(
            question.id not in given and not shown(question, case) and case[question.id] != question.default
            for question in BOOK.questions if question.show_if and not question.required
        )
        if not hidden_moved:
            yield case


def with_answer(case: dict[str, Any], question: str, value: Any, given: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`case` with another answer to `question`: what it hides takes its default, what it shows anything."""
    results = [{**case, question: value}]
    for dependent in BOOK.questions:
        if question not in dependent.show_if or dependent.id in given:
            continue
        following: list[dict[str, Any]] = []
        for changed in results:
            if not shown(dependent, changed):
                following.append({**changed, dependent.id: dependent.default})
            elif shown(dependent, case):
                following.append(changed)
            else:
                following.extend({**changed, dependent.id: other}
                                 for other in FULL_SPACE.field(dependent.id).representatives)
        results = following
    return results


def brute_force(given: Mapping[str, Any], screener: Screener) -> tuple[set[str], set[str]]:
    """Decisions of every completion through the engine, and the questions whose answer can change it."""
    decided = {_key(case): (case, screener.screen(case).outcome.decision) for case in completions(given)}
    can_change = set()
    for question in (q.id for q in BOOK.questions if q.id not in given):
        for case, decision in decided.values():
            others = (
                decided.get(_key(changed), (None, decision))[1]
                for value in FULL_SPACE.field(question).representatives
                for changed in with_answer(case, question, value, given)
            )
            if any(other != decision for other in others):
                can_change.add(question)
                break
    return {decision for _, decision in decided.values()}, can_change


def _key(case: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(tuple(value) if isinstance(value, list) else value for value in case.values())


def fields_used(condition: Condition) -> set[str]:
    """The question ids a condition reads."""
    if isinstance(condition, Atom):
        return {condition.field}
    if isinstance(condition, (AllOf, AnyOf)):
        return set().union(*(fields_used(item) for item in condition.items))
    if isinstance(condition, Not):
        return fields_used(condition.item)
    return set()


def table_decision(previewer: Previewer, answers: Mapping[str, Any]) -> str | None:
    """The decision the preview's table holds for a full set of answers (its only completion)."""
    return previewer.analyse(previewer.state(answers)).decision


def one_field_parts(condition: Condition) -> Iterator[Condition]:
    """The largest parts of a condition that each read one question; the rest only combines them."""
    if len(fields_used(condition)) == 1:
        yield condition
    elif isinstance(condition, (AllOf, AnyOf)):
        for item in condition.items:
            yield from one_field_parts(item)
    elif isinstance(condition, Not):
        yield from one_field_parts(condition.item)


def holds(condition: Condition, value: Any) -> bool:
    """A condition on one question, for one answer to it, as conditions.py documents the tests."""
    if isinstance(condition, AllOf):
        return all(holds(item, value) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(holds(item, value) for item in condition.items)
    if isinstance(condition, Not):
        return not holds(condition.item, value)
    assert isinstance(condition, Atom)
    atom = condition
    if atom.op == "has":
        return atom.value in value
    if atom.op == "empty":
        return (not value) == atom.value
    if atom.op == "given":
        return (value is not None) == atom.value
    if atom.op == "eq":
        return bool(value == atom.value and type(value) is type(atom.value))
    if value is None:
        return False
    compare = {"gte": value >= atom.value, "gt": value > atom.value, "lte": value <= atom.value,
               "lt": value < atom.value}
    return compare[atom.op]


# --- the decision table is exact ------------------------------------------------------------

def test_within_a_class_every_answer_passes_the_same_field_tests(previewer: Previewer) -> None:
    """Exhaustive over every answer to every question: no part of a decision rule or show_if
    can tell a value from its class representative, and each condition only combines such
    parts, so no answer set can decide unlike its class."""
    decision_rules = [rule for rule in BOOK.rules if rule.group == "decision"]
    parts = [part for condition in [*(rule.when for rule in decision_rules), *show_if_conditions()]
             for part in one_field_parts(condition)]
    assert len(parts) > 10
    for field in previewer.space.fields:
        question_parts = [part for part in parts if fields_used(part) == {field.question.id}]
        for value in domain(field.question):
            representative = field.representatives[field.class_of(value)]
            assert [holds(part, value) for part in question_parts] == [
                holds(part, representative) for part in question_parts], (field.question.id, value)


def test_any_member_of_every_class_decides_as_the_table_says(previewer: Previewer, screener: Screener) -> None:
    """For every class, an answer set drawn at random from it is decided by the real engine."""
    rng = random.Random(7)
    members = [
        {index: [value for value in domain(field.question) if field.class_of(value) == index]
         for index in range(field.size)}
        for field in previewer.space.fields
    ]
    for classes in itertools.product(*(range(field.size) for field in previewer.space.fields)):
        answers = {
            field.question.id: rng.choice(members[position][index])
            for position, (field, index) in enumerate(zip(previewer.space.fields, classes, strict=True))
        }
        assert table_decision(previewer, answers) == screener.screen(answers).outcome.decision, answers


def test_the_table_is_built_from_few_engine_runs(screener: Screener) -> None:
    runs = 0
    screen = screener.screen

    def counting(answers: Mapping[str, Any]) -> Any:
        nonlocal runs
        runs += 1
        return screen(answers)

    screener.screen = counting  # type: ignore[method-assign]
    try:
        Previewer(screener)
    finally:
        del screener.screen
    decision_rules = [rule for rule in BOOK.rules if rule.group == "decision"]
    assert runs == answer_space.build(BOOK, decision_rules).size == 864


# --- soundness on every completion ----------------------------------------------------------

SMALL_CASES = [
    {"sports": ["strength"], "lifting_style": "sumo", "squats": True, "pain_areas": [], "prior_soft_tissue_work": True,
     "wall_available": True, "hip_ir": "normal"},
    {"sex": "female", "sports": [], "pain_areas": ["knee"], "squats": False, "wall_available": False,
     "prior_soft_tissue_work": False, "lifting_style": "mixed"},
    {"sex": "male", "sports": ["running"], "lifting_style": "conventional", "squats": True, "wall_available": True,
     "prior_soft_tissue_work": True, "structural_conditions": []},
    {"hip_pinch": True, "sports": ["rotational"], "pain_areas": ["hip"], "lifting_style": "none", "squats": False,
     "wall_available": True},
    {"sex": "other", "sports": ["baseball_pitching"], "pain_areas": [], "squats": True, "hip_ir": "not_tested",
     "hip_pinch": False, "structural_conditions": []},
    {"sumo_days_per_week": 5, "lifting_style": "conventional", "sports": [], "pain_areas": [], "squats": False,
     "wall_available": True, "prior_soft_tissue_work": True, "hip_pinch": False},
]


@pytest.mark.slow
@pytest.mark.parametrize("given", SMALL_CASES, ids=lambda given: ",".join(given))
def test_every_completion_through_the_engine(given: dict[str, Any], previewer: Previewer,
                                             screener: Screener) -> None:
    """All completions (one per class of every rule), each decided by the engine: the preview
    names exactly their decisions and exactly the questions whose answer can change it."""
    decisions, can_change = brute_force(given, screener)
    body = previewer.preview(given)
    assert set(body["possible_decisions"]) == decisions
    assert body["settled"] is (len(decisions) == 1)
    assert body["decision"] == (next(iter(decisions)) if len(decisions) == 1 else None)
    assert set(body["next_questions"]) == can_change
    assert len(body["next_questions"]) == len(can_change)


BIG_CASES = [{}, {"sex": "female"}, {"hip_ir": "normal"}, {"lifting_style": "none"}, {"pain_areas": ["low_back"]}]


@pytest.mark.slow
@pytest.mark.parametrize("given", BIG_CASES, ids=lambda given: ",".join(given) or "nothing")
def test_every_completion_of_short_answers(given: dict[str, Any], previewer: Previewer) -> None:
    """Too many completions to run the engine on each (110k for {}); each is decided by the
    table, which the two tests above prove equal to the engine on every answer set."""
    decisions = {table_decision(previewer, case) for case in completions(given)}
    body = previewer.preview(given)
    assert body["possible_decisions"] == [decision for decision in rulebook.DECISIONS if decision in decisions]
    assert body["settled"] is False and body["next_questions"]


def test_a_required_answer_is_never_assumed(previewer: Previewer) -> None:
    """sex is required: without it, a woman's untested hip and a man's are both possible."""
    given = {"hip_ir": "not_tested", "sports": [], "sumo_days_per_week": None, **NO_CONTRAINDICATION}
    body = previewer.preview(given)
    assert body["possible_decisions"] == ["assess_first"]
    assert body["screening"] is None and body["screening_needs"] == ["sex"]
    female, male = (previewer.preview({**given, "sex": sex})["screening"] for sex in ("female", "male"))
    assert [r["rule"] for r in female["rationale"]] == ["female_ir_not_tested"]
    assert [r["rule"] for r in male["rationale"]] == ["no_indication_yet"]


# --- contraindications, order, conditional questions ----------------------------------------

@pytest.mark.parametrize(
    "given",
    [{"hip_pinch": True}, {"pain_severity": 7}, {"pain_severity": 10},
     *({"structural_conditions": [option.value]} for option in QUESTIONS["structural_conditions"].options)],
    ids=str,
)
def test_a_contraindication_alone_settles_at_once(given: dict[str, Any], previewer: Previewer,
                                                  screener: Screener) -> None:
    body = previewer.preview(given)
    assert (body["settled"], body["decision"], body["next_questions"]) == (True, "not_recommended", [])
    screening = body["screening"]
    assert screening["refer"] is True and screening["recommended"] is False
    assert body["assumed_defaults"] == {
        q.id: q.default for q in BOOK.questions if not q.required and q.id not in given
    }
    # The same screening for every answer to the three required questions it did not get.
    required = [q for q in BOOK.questions if q.required]
    for values in itertools.product(*(domain(q) for q in required)):
        answers = {**body["assumed_defaults"], **given, **{q.id: v for q, v in zip(required, values, strict=True)}}
        full = screener.screen(screener.load(answers)).dict()
        assert {**full, "id": screening["id"]} == screening


def test_nothing_answered_asks_the_contraindications_first(previewer: Previewer) -> None:
    body = previewer.preview({})
    assert body["next_questions"][:3] == CONTRAINDICATIONS
    assert set(body["next_questions"]) == {q.id for q in BOOK.questions} - {
        "squats", "prior_soft_tissue_work", "wall_available"}
    first = body["next_questions"][0]
    assert previewer.preview({first: True})["settled"]


def test_the_most_decisive_question_comes_first(previewer: Previewer) -> None:
    """A woman not yet tested: only a contraindication can still change 'assess first'."""
    body = previewer.preview({"sex": "female", "hip_ir": "not_tested"})
    assert body["possible_decisions"] == ["assess_first", "not_recommended"]
    assert body["next_questions"] == CONTRAINDICATIONS
    # Knowing hip rotation narrows a woman's case more than anything else.
    assert previewer.preview({"sex": "female"})["next_questions"][0] == "hip_ir"


NORMAL_RUNNER = {"sex": "male", "hip_ir": "normal", "sports": ["running"], **NO_CONTRAINDICATION}


def test_a_hidden_conditional_question_keeps_its_default(previewer: Previewer) -> None:
    """A conventional puller is never asked about sumo days, so they cannot make the drill needed."""
    body = previewer.preview({**NORMAL_RUNNER, "lifting_style": "conventional"})
    assert (body["settled"], body["decision"]) == (True, "not_needed")
    assert body["assumed_defaults"]["sumo_days_per_week"] is None


def test_a_shown_conditional_question_is_asked(previewer: Previewer) -> None:
    body = previewer.preview({**NORMAL_RUNNER, "lifting_style": "sumo"})
    assert body["possible_decisions"] == ["recommended", "not_needed"]
    assert body["next_questions"] == ["sumo_days_per_week"]


def test_a_question_that_shows_another_comes_before_it(previewer: Previewer) -> None:
    """sumo days alone would settle it, but a form shows that question only after the stance."""
    body = previewer.preview(NORMAL_RUNNER)
    assert body["next_questions"] == ["lifting_style", "sumo_days_per_week"]


def test_a_given_answer_counts_even_where_a_form_would_hide_it(previewer: Previewer, screener: Screener) -> None:
    given = {**NORMAL_RUNNER, "lifting_style": "conventional", "sumo_days_per_week": 5}
    body = previewer.preview(given)
    assert body["decision"] == "recommended"
    assert body["screening_needs"] == ["prior_soft_tissue_work"]
    full = screener.screen(screener.load({**given, "prior_soft_tissue_work": True})).dict()
    assert full["decision"] == "recommended"


# --- the settled screening -------------------------------------------------------------------

def test_a_settled_screening_waits_for_the_required_answers_it_depends_on(previewer: Previewer,
                                                                         screener: Screener) -> None:
    given = {"sex": "male", "hip_ir": "limited", **NO_CONTRAINDICATION}
    body = previewer.preview(given)
    assert (body["decision"], body["screening"], body["assumed_defaults"]) == ("recommended", None, {})
    assert body["screening_needs"] == ["lifting_style", "prior_soft_tissue_work"]

    complete = {**given, "lifting_style": "none", "prior_soft_tissue_work": False}
    body = previewer.preview(complete)
    assert body["screening_needs"] == []
    assert body["assumed_defaults"] == {"sports": [], "sumo_days_per_week": None, "squats": False,
                                        "wall_available": True}
    full = screener.screen(screener.load(complete)).dict()
    assert {**full, "id": body["screening"]["id"]} == body["screening"]
    assert [p["code"] for p in body["screening"]["preparation"]] == ["soft_tissue_first"]


def test_screenings_get_their_own_ids(previewer: Previewer) -> None:
    ids = {previewer.preview({"hip_pinch": True})["screening"]["id"] for _ in range(3)}
    assert len(ids) == 3 and all(i.startswith("scr_") for i in ids)


@pytest.mark.parametrize(("show_if", "message"), [
    ({"sumo_days_per_week": {"gte": 1}}, "squats: show_if lists plain answers of sumo_days_per_week"),
    ({"sports": ["running"]}, "squats: show_if cannot name sports, a multi_choice question"),
])
def test_a_show_if_beyond_equality_stops_start_up(rules_copy: Path, show_if: dict[str, Any], message: str) -> None:
    """show_if has one meaning (Rulebook.shown); the loader refuses anything else."""
    path = rules_copy / "questionnaire.yaml"
    data = yaml.safe_load(path.read_text())
    squats = next(q for q in data["questions"] if q["id"] == "squats")
    squats["show_if"] = show_if
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RulebookError, match=message):
        create_app({"TESTING": True, "RULES_DIR": str(rules_copy)})
