"""The v1 HTTP API."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request

from .errors import MalformedJSON, UnsupportedMediaType
from .schemas import parse_json_int
from .screening import Screener

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


@bp.post("/screenings")
def create_screening() -> Response:
    """Screen one athlete's answers."""
    screening = screener()
    return Response(screening.screen_json(screening.load(json_body())), mimetype="application/json")


@bp.get("/questionnaire")
def questionnaire() -> dict[str, Any]:
    """The questions, as data for forms."""
    questionnaire: dict[str, Any] = current_app.extensions["questionnaire"]
    return questionnaire
