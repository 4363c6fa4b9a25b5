"""Rosters for the command line: answer sets read from JSON, JSON Lines or CSV, results written back.

CSV cells are text, so each is read by the type of its question, strictly: booleans are
`true` or `false` (any case), integers are whole numbers, list answers are separated by `;`
(`none` for an empty list), and an empty cell means "not answered" (the question's default
applies; a required question left empty is an error). A cell that does not
read as its type is reported with the cell's text; everything else is validated exactly as
the API validates it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidAnswers
from ..rulebook import Question
from ..rulebook.questions import LIST_SEPARATOR
from ..screening.answers import parse_json_int
from ..screening.screener import Screener

FORMATS = ("json", "jsonl", "csv")
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
RESULT_KEYS = frozenset({"index", "line", "ok", "screening", "problem"})
CSV_COLUMNS = ("ok", "decision", "recommended", "refer", "refer_urgency", "variant", "timing", "preparation",
               "cautions", "rules", "rules_version", "errors")


class RosterError(ValueError):
    """The input as a whole cannot be read (not one record of it: those get their own errors)."""


@dataclass
class Record:
    """One answer set of the input, and where it came from."""

    index: int
    line: int | None
    answers: Any
    label: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    """Problems found while reading, before validation (a CSV cell, a JSON line)."""


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_int=parse_json_int)
    except RecursionError as error:
        raise ValueError(f"{where}: the JSON is nested too deeply") from error
    except ValueError as error:
        raise ValueError(f"{where}: not valid JSON: {error}") from error


def read_json(text: str) -> list[Record]:
    """One answers object, a list of them, or a batch body `{"items": [...]}`."""
    try:
        document = _json(text, "the file")
    except ValueError as error:
        raise RosterError(str(error)) from error
    if isinstance(document, Mapping) and set(document) == {"items"} and isinstance(document["items"], list):
        document = document["items"]
    items = document if isinstance(document, list) else [document]
    return [Record(index, None, item) for index, item in enumerate(items)]


def read_jsonl(text: str) -> list[Record]:
    """One answers object per line; blank lines are skipped, a line that is not JSON is reported."""
    records: list[Record] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = Record(len(records), number, None)
        try:
            record.answers = _json(line, f"line {number}")
        except ValueError as error:
            record.errors["_line"] = [str(error)]
        records.append(record)
    return records


def parse_cell(question: Question, cell: str) -> Any:
    """A CSV cell as the question's type; ValueError saying why when it is not one."""
    return question.kind.parse_cell(cell.strip())


def read_csv(text: str, questions: Sequence[Question], id_column: str | None = None) -> list[Record]:
    """A header row of field names, then one athlete per row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as error:
        raise RosterError(f"line 1: {error}") from error
    header = [name.strip() for name in header]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise RosterError(f"the header names {', '.join(map(repr, duplicates))} more than once")
    if id_column is not None and id_column not in header:
        raise RosterError(f"the header has no column {id_column!r} (columns: {', '.join(header)})")
    by_id = {question.id: question for question in questions}
    records: list[Record] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            # The line where the row ends: its spreadsheet row number (header = 1) unless a
            # quoted cell spans lines.
            record = Record(len(records), reader.line_num, {})
            if len(cells) > len(header):
                record.errors["_row"] = [f"The row has {len(cells)} cells; the header has {len(header)} columns."]
            for name, cell in zip(header, cells, strict=False):  # extra cells are reported above
                if name == id_column:
                    record.label = cell.strip()
                elif not cell.strip():
                    continue
                elif name in by_id:
                    try:
                        record.answers[name] = parse_cell(by_id[name], cell)
                    except ValueError as error:
                        record.errors[name] = [str(error)]
                else:
                    record.answers[name] = cell  # not a question: validation names it
            records.append(record)
    except csv.Error as error:
        raise RosterError(f"line {reader.line_num}: {error}") from error
    return records


def screen(screener: Screener, record: Record) -> dict[str, Any]:
    """The result of one record, shaped like an item of the batch API's results."""
    if not record.errors:
        try:
            return {"ok": True, "screening": screener.screen(screener.load(record.answers)).dict()}
        except InvalidAnswers as error:
            return {"ok": False, "problem": error.document()}
    errors = dict(record.errors)
    if isinstance(record.answers, Mapping):
        readable = {name: value for name, value in record.answers.items() if name not in record.errors}
        try:
            screener.load(readable)
        except InvalidAnswers as error:
            # A cell that could not be read is missing from `readable`: keep why, not "missing".
            errors = {**(error.errors or {}), **record.errors}
    problem = InvalidAnswers(f"{len(errors)} answer(s) are invalid: {', '.join(errors)}.", errors)
    return {"ok": False, "problem": problem.document()}


def result(screener: Screener, record: Record, id_column: str | None) -> dict[str, Any]:
    head: dict[str, Any] = {"index": record.index}
    if record.line is not None:
        head["line"] = record.line
    if id_column is not None:
        head[id_column] = record.label
    return {**head, **screen(screener, record)}


def write_json(results: list[dict[str, Any]]) -> str:
    return json.dumps({"results": results}, indent=2, ensure_ascii=False) + "\n"


def write_jsonl(results: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in results)


def _codes(items: Iterable[Mapping[str, Any]], key: str = "code") -> str:
    return LIST_SEPARATOR.join(str(item[key]) for item in items)


def csv_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """One result as flat cells: codes joined with `;`, errors as `field: message` pairs."""
    row: dict[str, Any] = {key: item[key] for key in item if key not in ("ok", "screening", "problem")}
    row["ok"] = "true" if item["ok"] else "false"
    if item["ok"]:
        screening = item["screening"]
        row.update({
            "decision": screening["decision"],
            "recommended": str(screening["recommended"]).lower(),
            "refer": str(screening["refer"]).lower(),
            "refer_urgency": screening["refer_urgency"] or "",
            "variant": screening["variant"]["code"] if screening["variant"] else "",
            "timing": _codes(screening["timing"]),
            "preparation": _codes(screening["preparation"]),
            "cautions": _codes(screening["cautions"]),
            "rules": _codes(screening["rationale"], "rule"),
            "rules_version": screening["rules_version"],
        })
    else:
        row["errors"] = "; ".join(f"{name}: {message}" for name, messages in item["problem"]["errors"].items()
                                  for message in messages)
    return row


def write_csv(results: list[dict[str, Any]], id_column: str | None) -> str:
    lead = ["index"]
    if any("line" in item for item in results):
        lead.append("line")
    if id_column is not None:
        lead.append(id_column)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=[*lead, *CSV_COLUMNS], restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(item) for item in results)
    return out.getvalue()
