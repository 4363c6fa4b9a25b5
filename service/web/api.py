"""The v1 HTTP API."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from ..errors import MalformedJSON, UnsupportedMediaType
from ..screening import batch
from ..screening.answers import parse_json_int
from ..screening.cache import new_screening_id
from ..screening.preview import Previewer
from ..screening.screener import Screener
from .auth import public
from .observability import count_screening, observe_batch

bp = Blueprint("v1", __name__, url_prefix="/v1")


def screener() -> Screener:
    screener: Screener = current_app.extensions["screening"]
    return screener


def json_body() -> Any:
    """The request's JSON document, or the problem that keeps us from reading it."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the answers as application/json, not {mimetype or 'a body without a Content-Type'}."
        )
    raw = request.get_data(cache=False)  # a Content-Length over MAX_CONTENT_LENGTH raises 413 here
    if request.content_length is None:
        # A chunked body is cut at the limit without an error; reading once more past
        # the limit is what makes werkzeug raise 413 instead of parsing a truncated body.
        request.stream.read(1)
    try:
        return json.loads(raw, parse_int=parse_json_int)
    except RecursionError as error:
        raise MalformedJSON("The JSON document is nested too deeply.") from error
    except ValueError as error:  # includes UnicodeDecodeError
        raise MalformedJSON(f"The body is not valid JSON: {error}") from error


def screen_answers(payload: Any) -> dict[str, Any]:
    """Validate and screen one set of answers: the one path of /screenings and of every batch item."""
    entry = screener().screen(screener().load(payload))
    count_screening(entry.outcome.decision)
    return entry.dict()


@bp.post("/screenings")
def create_screening() -> Response:
    """Screen one athlete's answers."""
    entry = screener().screen(screener().load(json_body()))
    count_screening(entry.outcome.decision)
    g.screening_id = new_screening_id()  # the access log line carries it: the result's reference leads there
    return Response(entry.json(g.screening_id), mimetype="application/json")


@bp.post("/screenings/batch")
def create_screening_batch() -> dict[str, Any]:
    """Screen many athletes' answers; each item is judged alone, results in input order."""
    request.max_content_length = current_app.config["BATCH_MAX_BODY_BYTES"]
    items = batch.items_of(json_body(), current_app.config["BATCH_MAX"])
    observe_batch(len(items))
    return {"results": [batch.result(index, item, screen_answers) for index, item in enumerate(items)]}


@bp.post("/screenings/preview")
def preview_screening() -> dict[str, Any]:
    """Say whether partial answers settle the decision, and which questions still matter."""
    answers = screener().load(json_body(), partial=True)
    previewer: Previewer = current_app.extensions["preview"]
    return previewer.preview(answers)


@bp.get("/questionnaire")
@public
def questionnaire() -> dict[str, Any]:
    """The questions, as data for forms."""
    questionnaire: dict[str, Any] = current_app.extensions["questionnaire"]
    return questionnaire
