"""The v1 HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from ..errors import InvalidAnswers
from ..screening import batch
from ..screening.cache import new_screening_id
from ..screening.preview import Previewer
from ..screening.screener import Screener
from . import limits
from .auth import public
from .body import json_body
from .observability import count_screening, observe_batch

bp = Blueprint("v1", __name__, url_prefix="/v1")


def screener() -> Screener:
    screener: Screener = current_app.extensions["screening"]
    return screener


def previewer() -> Previewer:
    previewer: Previewer = current_app.extensions["preview"]
    return previewer


def within_the_questionnaire(payload: Any) -> Any:
    """Refuse an answer set with more fields than there are questions before validation reports each one."""
    fields: frozenset[str] = current_app.extensions["answer_fields"]
    if isinstance(payload, Mapping) and len(payload) > len(fields):
        unknown = [str(key) for key in payload if key not in fields]
        raise InvalidAnswers(f"{len(unknown)} answer(s) are invalid: fields the questionnaire does not have.",
                             {key: ["Unknown field."] for key in unknown})
    return payload


def screen_answers(payload: Any) -> dict[str, Any]:
    """Validate and screen one set of answers: the one path of /screenings and of every batch item."""
    entry = screener().screen(screener().load(within_the_questionnaire(payload)))
    count_screening(entry.outcome.decision)
    return entry.dict()


@bp.post("/screenings")
def create_screening() -> Response:
    """Screen one athlete's answers."""
    entry = screener().screen(screener().load(within_the_questionnaire(json_body())))
    count_screening(entry.outcome.decision)
    g.screening_id = new_screening_id()  # the access log line carries it: the result's reference leads there
    return Response(entry.json(g.screening_id), mimetype="application/json")


@bp.post("/screenings/batch")
def create_screening_batch() -> dict[str, Any]:
    """Screen many athletes' answers; each item is judged alone, results in input order."""
    config = current_app.config
    keyed = g.get("client") is not None
    request.max_content_length = config["BATCH_MAX_BODY_BYTES" if keyed else "ANON_BATCH_MAX_BODY_BYTES"]
    ceiling = config["BATCH_MAX"] if keyed else config["ANON_BATCH_MAX"]
    items = batch.items_of(json_body(), ceiling, "" if keyed else " without an API key")
    limits.charge(len(items) - 1)  # the request itself was counted as one
    observe_batch(len(items))
    return {"results": [batch.result(index, item, screen_answers) for index, item in enumerate(items)]}


@bp.post("/screenings/preview")
def preview_screening() -> dict[str, Any]:
    """Say whether partial answers settle the decision, and which questions still matter."""
    return previewer().preview(screener().load(json_body(), partial=True))


@bp.get("/questionnaire")
@public
def questionnaire() -> dict[str, Any]:
    """The questions, as data for forms."""
    questionnaire: dict[str, Any] = current_app.extensions["questionnaire"]
    return questionnaire
