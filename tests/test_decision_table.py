"""hip-screen table: the decision table a clinician reviews, and docs/decision-table.md kept current."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from service.cli import main as cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "decision-table.md"


def table(fmt: str) -> str:
    result = CliRunner().invoke(cli.main, ["table", "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0
    return result.output


def test_docs_decision_table_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == table("md"), (
        "docs/decision-table.md is out of date: run `hip-screen table --format md > docs/decision-table.md`")


def test_the_csv_has_one_row_per_class_and_the_outcome_columns() -> None:
    rows = list(csv.reader(io.StringIO(table("csv"))))
    header, body = rows[0], rows[1:]
    assert header[-3:] == ["decision", "refer_urgency", "rule"]
    assert {"red_flags", "age", "hip_ir", "hip_pinch"} <= set(header)
    assert "wall_available" not in header  # it decides nothing
    assert len(body) == table("md").count("\n| ") - 1
    assert all(len(row) == len(header) for row in body)


def test_a_red_flag_refers_urgently_whatever_else_is_answered() -> None:
    rows = list(csv.DictReader(io.StringIO(table("csv"))))
    flagged = [row for row in rows if row["red_flags"] != "none"]
    assert flagged and all(row["decision"] == "not_recommended" and row["refer_urgency"] == "urgent"
                           and row["rule"] == "red_flag" for row in flagged)
    assert all(row[column] == "any" for row in flagged for column in ("age", "sex", "hip_ir", "hip_pinch"))
