from __future__ import annotations

import pytest

from service.rulebook import conditions
from service.rulebook.conditions import AllOf, Always, AnyOf, Atom, ConditionError, Not
from service.rulebook.questions import Option, Question


def question(id: str, kind: str, options: tuple[str, ...] = (), minimum: int | None = None,
             maximum: int | None = None, nullable: bool = False) -> Question:
    return Question(id, id, None, kind, required=not nullable, default=None,
                    options=tuple(Option(value, value) for value in options), minimum=minimum, maximum=maximum)


FIELDS = {
    "sex": question("sex", "single_choice", ("female", "male")),
    "days": question("days", "integer", (), 0, 7, nullable=True),
    "pain": question("pain", "integer", (), 0, 10),
    "sports": question("sports", "multi_choice", ("running", "rotational")),
    "wall": question("wall", "boolean", ()),
}


def parse(raw: object) -> conditions.Condition:
    return conditions.parse(raw, FIELDS, {"runner": Atom("sports", "has", "running")})


def test_plain_values_mean_equality_and_keys_mean_all() -> None:
    assert parse({"sex": "female", "wall": False}) == AllOf(
        (Atom("sex", "eq", "female"), Atom("wall", "eq", False))
    )


def test_shorthands_expand_to_atoms() -> None:
    assert parse({"sex": {"ne": "male"}}) == Not(Atom("sex", "eq", "male"))
    assert parse({"sports": {"has_none": ["running"]}}) == Not(Atom("sports", "has", "running"))
    assert parse({"sex": {"in": ["female", "male"]}}) == AnyOf(
        (Atom("sex", "eq", "female"), Atom("sex", "eq", "male"))
    )
    assert parse({"ref": "runner"}) == Atom("sports", "has", "running")
    assert parse("always") == Always()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"age": 3}, "unknown field"),
        ({"sex": "robot"}, "not one of"),
        ({"pain": {"gte": 11}}, "outside 0..10"),
        ({"pain": {"gte": "7"}}, "not an integer"),
        ({"pain": {"given": True}}, "only to optional integers"),
        ({"sports": {"gte": 1}}, "does not apply"),
        ({"sex": {"has": "female"}}, "does not apply"),
        ({"wall": "yes"}, "true or false"),
        ({"not": "always"}, "never matches"),
        ({"ref": "nobody"}, "unknown named condition"),
        ({"any": []}, "non-empty list"),
        ([], "non-empty mapping"),
    ],
)
def test_bad_conditions_are_rejected_with_a_reason(raw: object, message: str) -> None:
    with pytest.raises(ConditionError, match=message):
        parse(raw)


def test_flatten_spells_lists_and_missing_integers_out() -> None:
    fact = conditions.flatten({"sex": "male", "days": None, "pain": 3, "sports": ["running"], "wall": True}, FIELDS)
    assert fact == {
        "kind": "answers",
        "sex": "male",
        "days__given": False,
        "pain": 3,
        "sports__running": True,
        "sports__rotational": False,
        "sports__count": 1,
        "wall": True,
    }


def test_negation_is_pushed_down_to_field_tests() -> None:
    compiled = conditions.to_durable(parse({"not": {"any": [{"sex": "female"}, {"pain": {"gte": 7}}]}}), FIELDS)
    assert compiled == {"$and": [{"$neq": {"sex": "female"}}, {"$lt": {"pain": 7}}]}


def test_negating_an_optional_integer_includes_the_unanswered_case() -> None:
    compiled = conditions.to_durable(parse({"not": {"days": {"gte": 3}}}), FIELDS)
    assert compiled == {"$or": [{"days__given": False}, {"$and": [{"days__given": True}, {"$lt": {"days": 3}}]}]}


def test_compiled_conditions_never_use_exists_operators() -> None:
    """$ex/$nex hang durable-rules 2.0.28 (docs/engine-notes.md)."""
    compiled = str(conditions.to_durable(parse({"not": {"days": {"given": True}}}), FIELDS))
    assert "$ex" not in compiled and "$nex" not in compiled


def test_flatten_writes_exactly_the_fact_properties_of_each_question() -> None:
    for days in (None, 3):
        fact = conditions.flatten({**ANSWERS, "days": days}, FIELDS)
        expected = set().union(*(conditions.fact_properties(question) for question in FIELDS.values()))
        assert set(fact) - {"kind"} == expected - ({"days"} if days is None else set())


ANSWERS = {"sex": "female", "days": None, "pain": 3, "sports": ["running"], "wall": False}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"sex": "female"}, True),
        ({"sex": {"ne": "female"}}, False),
        ({"sex": {"in": ["male", "female"]}}, True),
        ({"pain": {"gte": 3}}, True),
        ({"pain": {"gt": 3}}, False),
        ({"pain": {"lte": 3}}, True),
        ({"pain": {"lt": 3}}, False),
        ({"pain": 3}, True),
        ({"days": {"gte": 0}}, False),
        ({"days": {"lt": 7}}, False),
        ({"not": {"days": {"gte": 3}}}, True),
        ({"days": {"given": False}}, True),
        ({"sports": {"has": "running"}}, True),
        ({"sports": {"has_none": ["running"]}}, False),
        ({"sports": {"empty": False}}, True),
        ({"wall": False}, True),
        ({"all": [{"sex": "female"}, {"wall": True}]}, False),
        ({"any": [{"sex": "male"}, {"ref": "runner"}]}, True),
        ("always", True),
    ],
)
def test_holds_gives_the_meaning_of_each_test(raw: object, expected: bool) -> None:
    assert conditions.holds(parse(raw), ANSWERS) is expected


def test_an_integer_never_equals_a_boolean() -> None:
    assert not conditions.atom_holds(Atom("pain", "eq", 1), True)


def test_residual_decides_the_given_fields_and_keeps_the_rest() -> None:
    condition = parse({"any": [{"all": [{"sex": "female"}, {"pain": {"gte": 7}}]}, {"wall": False}]})
    assert conditions.residual(condition, {"sex": "female"}) == AnyOf(
        (Atom("pain", "gte", 7), Atom("wall", "eq", False))
    )
    assert conditions.residual(condition, {"sex": "male"}) == Atom("wall", "eq", False)
    assert conditions.residual(condition, {"wall": False}) is True
    assert conditions.residual(parse({"not": {"sex": "female"}}), {"pain": 1}) == Not(Atom("sex", "eq", "female"))


def test_answers_that_leave_the_same_residual_are_alike_for_the_condition() -> None:
    """Options in one has_any list cannot be told apart; a has test outside one can."""
    either = parse({"sports": {"has_any": ["running", "rotational"]}})
    assert conditions.residual(either, {"sports": ["running"]}) is True
    assert conditions.residual(either, {"sports": ["rotational"]}) is True
    one = parse({"all": [{"ref": "runner"}, {"wall": True}]})
    assert conditions.residual(one, {"sports": ["running"]}) != conditions.residual(one, {"sports": ["rotational"]})


def test_durable_properties_are_what_the_compiled_condition_reads() -> None:
    compiled = conditions.to_durable(parse({"any": [{"not": {"days": {"gte": 3}}}, {"ref": "runner"}]}), FIELDS)
    assert conditions.durable_properties(compiled) == {"days", "days__given", "sports__running"}
    assert conditions.durable_properties(conditions.to_durable(Always(), FIELDS)) == {"kind"}


def test_fact_properties_are_what_flatten_writes() -> None:
    fact = conditions.flatten({"sex": "male", "days": 2, "pain": 3, "sports": [], "wall": True}, FIELDS)
    written = set().union(*(conditions.fact_properties(spec) for spec in FIELDS.values()))
    assert written == set(fact) - {"kind"}
