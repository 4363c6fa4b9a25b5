"""Stored submissions for the coach: list, read, export and delete, scoped to the key's organization."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, stream_with_context
from werkzeug.routing import BaseConverter

from ..errors import InvalidRequest
from ..intake import export, schemas, submissions
from .auth import key_required, organization
from .intakes import no_store, store

bp = Blueprint("submissions", __name__, url_prefix="/v1")
bp.after_request(no_store)


class SubmissionId(BaseConverter):
    """Any path segment but `export`, so that /v1/submissions/export allows only its own methods."""

    regex = r"(?!export$)[^/]+"

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


@bp.get("/submissions")
@key_required
def list_submissions() -> dict[str, Any]:
    """The organization's submissions, newest first, a page at a time."""
    page = submissions.page(store(), organization(), schemas.submission_query(request.args))
    return {"items": [export.submission_json(item) for item in page.items], "next_cursor": page.next_cursor}


@bp.get("/submissions/export")
@key_required
def export_submissions() -> Response:
    """Every submission (of one intake, or all), streamed as CSV or JSON Lines."""
    kind = request.args.get("format", "csv")
    if kind not in EXPORT_TYPES or set(request.args) - {"format", "intake"}:
        raise InvalidRequest("Export takes format=csv|jsonl and optionally intake=<id>.",
                             {"format": ["Must be csv or jsonl."]})
    rows = submissions.export(store(), organization(), request.args.get("intake"))
    questions = [question.id for question in current_app.extensions["screening"].rulebook.questions]
    lines = export.csv_lines(rows, questions) if kind == "csv" else export.jsonl_lines(rows)
    response = Response(stream_with_context(lines), mimetype=EXPORT_TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="submissions.{kind}"'
    return response


@bp.get("/submissions/<submission_id:submission_id>")
@key_required
def show_submission(submission_id: str) -> dict[str, Any]:
    """One stored submission."""
    return export.submission_json(submissions.get(store(), submission_id, organization()))


@bp.delete("/submissions/<submission_id:submission_id>")
@key_required
def delete_submission(submission_id: str) -> Response:
    """Delete one submission for good."""
    submissions.remove(store(), submission_id, organization())
    return Response(status=204)


def init_app(app: Flask) -> None:
    app.url_map.converters["submission_id"] = SubmissionId
    app.register_blueprint(bp)
