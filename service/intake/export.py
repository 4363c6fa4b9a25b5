"""Submissions as a coach reads them: one JSON object each, or one spreadsheet row each."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .submissions import Submission

SUMMARY_COLUMNS = ("submission_id", "intake_id", "created_at", "athlete_name", "athlete_email",
                   "athlete_external_id", "decision", "recommended", "refer", "refer_urgency", "variant", "timing",
                   "cautions", "rules_version", "consent_given_at")
LIST_SEPARATOR = ";"
# Spreadsheets run a cell that starts with one of these as a formula: athlete text must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def submission_json(submission: Submission) -> dict[str, Any]:
    athlete = submission.athlete
    return {
        "id": submission.id,
        "intake_id": submission.intake_id,
        "athlete": {"name": athlete.name, "email": athlete.email, "external_id": athlete.external_id},
        "answers": submission.answers,
        "screening": submission.screening_json(),
        "refer_urgency": submission.refer_urgency,
        "rules_version": submission.rules_version,
        "created_at": submission.created_at.isoformat(),
        "consent_given_at": submission.consent_given_at.isoformat(),
    }


def jsonl_lines(rows: Iterable[Submission]) -> Iterator[str]:
    for submission in rows:
        yield json.dumps(submission_json(submission), separators=(",", ":")) + "\n"


def csv_lines(rows: Iterable[Submission], questions: Sequence[str]) -> Iterator[str]:
    """A header, then one row per submission: the summary a coach sorts by, then every answer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line([*SUMMARY_COLUMNS, *questions])
    for submission in rows:
        yield line([*summary_cells(submission), *(_cell(submission.answers.get(name)) for name in questions)])


def summary_cells(submission: Submission) -> list[str]:
    screening = submission.screening_json()
    athlete = submission.athlete
    variant = screening.get("variant") or {}
    return [
        submission.id, submission.intake_id, submission.created_at.isoformat(), _text(athlete.name),
        _text(athlete.email), _text(athlete.external_id), screening["decision"], _cell(screening["recommended"]),
        _cell(screening["refer"]), _cell(submission.refer_urgency), variant.get("code", ""),
        LIST_SEPARATOR.join(item["code"] for item in screening["timing"]),
        LIST_SEPARATOR.join(item["code"] for item in screening["cautions"]),
        submission.rules_version, submission.consent_given_at.isoformat(),
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_cell(item) for item in value)
    return str(value) if isinstance(value, int) else _text(str(value))


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value
