"""Reading rosters: CSV cells by question type, strictly; results written back as CSV."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from service.cli import roster
from service.rulebook import Question
from service.screening.screener import Screener


@pytest.fixture(scope="module")
def screener(shared_app: Flask) -> Screener:
    screener: Screener = shared_app.extensions["screening"]
    return screener


# The required safety answers of an athlete with none of them, as roster columns (none: an empty list).
SAFE = ("red_flags,age,recent_surgery,recent_injury,structural_conditions,pain_areas,hip_pinch,",
        "none,30,none,false,none,none,false,")


def question(screener: Screener, question_id: str) -> Question:
    return next(q for q in screener.rulebook.questions if q.id == question_id)


@pytest.mark.parametrize(
    ("field", "cell", "expected"),
    [
        ("squats", "true", True), ("squats", "FALSE", False), ("squats", " True ", True),
        ("sumo_days_per_week", "5", 5), ("sumo_days_per_week", "+3", 3), ("sumo_days_per_week", "-1", -1),
        ("sports", "running; strength", ["running", "strength"]), ("sports", "running;;", ["running"]),
        ("sex", " female ", "female"),
    ],
)
def test_cells_read_as_their_question_type(screener: Screener, field: str, cell: str, expected: Any) -> None:
    assert roster.parse_cell(question(screener, field), cell) == expected


@pytest.mark.parametrize(
    ("field", "cell", "message"),
    [
        ("squats", "yes", "Must be true or false, not 'yes'."),
        ("squats", "1", "Must be true or false, not '1'."),
        ("sumo_days_per_week", "5.0", "Must be a whole number, not '5.0'."),
        ("sumo_days_per_week", "five", "Must be a whole number, not 'five'."),
        ("sumo_days_per_week", "1e3", "Must be a whole number, not '1e3'."),
    ],
)
def test_cells_that_do_not_read_say_why(screener: Screener, field: str, cell: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace(".", r"\.") + "$"):
        roster.parse_cell(question(screener, field), cell)


def test_empty_cells_leave_questions_unanswered_and_values_are_checked_as_in_the_api(screener: Screener) -> None:
    text = SAFE[0] + "sex,lifting_style,prior_soft_tissue_work,sumo_days_per_week,sports\n" + \
        SAFE[1] + "male,sumo,false,,\n" + \
        SAFE[1] + "male,sumo,false,9,running;running\n" + \
        SAFE[1] + "male,sumo,false," + "9" * 40 + ",\n"
    records = roster.read_csv(text, screener.rulebook.questions)
    first, second, third = (roster.screen(screener, record) for record in records)
    assert first["ok"] is True
    assert second["problem"]["errors"] == {"sumo_days_per_week": ["Must be greater than or equal to 0 and less "
                                                                  "than or equal to 7."],
                                           "sports": ["Items must be unique."]}
    assert third["problem"]["errors"] == {"sumo_days_per_week": ["Number too large."]}


def test_rows_with_too_many_cells_and_blank_rows(screener: Screener) -> None:
    text = SAFE[0] + "sex,lifting_style,prior_soft_tissue_work\n\n,,\n" + SAFE[1] + "male,sumo,false,extra\n" + \
        SAFE[1] + "male,sumo,false\n"
    records = roster.read_csv(text, screener.rulebook.questions)
    assert [(record.index, record.line) for record in records] == [(0, 4), (1, 5)]
    result = roster.screen(screener, records[0])
    assert result["problem"]["errors"] == {"_row": ["The row has 11 cells; the header has 10 columns."]}
    assert roster.screen(screener, records[1])["ok"] is True


def test_a_missing_required_cell_and_an_unreadable_one_are_both_named(screener: Screener) -> None:
    records = roster.read_csv(SAFE[0] + "sex,squats\n" + SAFE[1] + "male,often\n", screener.rulebook.questions)
    errors = roster.screen(screener, records[0])["problem"]["errors"]
    assert errors == {"lifting_style": ["Missing data for required field."],
                      "prior_soft_tissue_work": ["Missing data for required field."],
                      "squats": ["Must be true or false, not 'often'."]}


def test_a_quoted_cell_may_hold_the_list_separator_and_commas(screener: Screener) -> None:
    text = 'sex,sports,lifting_style,prior_soft_tissue_work\nmale,"running;rotational",none,true\n'
    record = roster.read_csv(text, screener.rulebook.questions)[0]
    assert record.answers["sports"] == ["running", "rotational"]


def test_csv_output_has_one_row_per_result_in_order(screener: Screener) -> None:
    text = SAFE[0] + "name,sex,lifting_style,prior_soft_tissue_work\n" + SAFE[1] + "Ann,female,sumo,true\n" + \
        SAFE[1] + "Bo,male,,true\n"
    records = roster.read_csv(text, screener.rulebook.questions, id_column="name")
    out = roster.write_csv([roster.result(screener, record, "name") for record in records], "name")
    lines = out.splitlines()
    assert lines[0] == "index,line,name," + ",".join(roster.CSV_COLUMNS)
    assert lines[1].startswith("0,2,Ann,true,")
    assert lines[2] == "1,3,Bo,false,,,,,,,,,,,lifting_style: Missing data for required field."
