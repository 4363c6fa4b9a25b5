"""Every error the app can raise, as one JSON shape: RFC 9457 problem details."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError, problem_document

PROBLEM_MIMETYPE = "application/problem+json"

log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str, type_: str = "about:blank",
            errors: Mapping[str, list[str]] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    body = problem_document(status, title, detail, type_, errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    return response


def register(app: Flask) -> None:
    """Route every error the app can raise to a problem+json response."""

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        if error.status == 500:  # a fault of ours: its details go to the log only
            log.error("internal error: %s", error.detail, exc_info=error)
            return problem(500, "Internal Server Error", "The server could not complete the request.")
        return problem(error.status, error.title, error.detail, error.type, error.errors, error.headers)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        return problem(status, error.name, _http_detail(status, error), headers=headers)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal Server Error", "The server could not complete the request.")


def _http_detail(status: int, error: HTTPException) -> str:
    if status == 404:
        return "No resource at this path. See /docs for the API."
    if status == 405:
        return "This method is not allowed on this path."
    if status == 413:
        return "The request body is larger than this server accepts."
    return error.description or error.name
