"""One exception family, and one JSON shape for every error: RFC 9457 problem details."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
_PROBLEM_TYPE_BASE = "tag:hip-ir-screening,2026:problem:"

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """Base of the service's errors; each subclass is one kind of problem."""

    status = 500
    title = "Internal Server Error"
    slug: str | None = None

    def __init__(self, detail: str, errors: Mapping[str, list[str]] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers

    @property
    def type(self) -> str:
        return _PROBLEM_TYPE_BASE + self.slug if self.slug else "about:blank"

    def document(self) -> dict[str, Any]:
        """The problem details of this error as a JSON object."""
        return problem_document(self.status, self.title, self.detail, self.type, self.errors)


class MalformedJSON(ServiceError):
    status, title, slug = 400, "Malformed JSON", "malformed-json"


class UnsupportedMediaType(ServiceError):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class InvalidAnswers(ServiceError):
    status, title, slug = 422, "Invalid answers", "invalid-answers"


class InvalidBatch(ServiceError):
    """The batch envelope is wrong; problems with single items are reported per item instead."""

    status, title, slug = 422, "Invalid batch", "invalid-batch"


class BatchTooLarge(ServiceError):
    status, title, slug = 413, "Batch too large", "batch-too-large"


class Unauthorized(ServiceError):
    """No key where one is required, or a key that is not valid; headers carry WWW-Authenticate."""

    status, title, slug = 401, "Unauthorized", "unauthorized"


class RateLimited(ServiceError):
    """Over the client's rate limit; headers carry Retry-After."""

    status, title, slug = 429, "Too Many Requests", "rate-limited"


class EngineError(ServiceError):
    """durable-rules misbehaved; the details go to the log, never to the client."""


class ConfigError(ValueError):
    """A SERVICE_* setting is invalid; raised at start-up, the message names the setting."""


def problem_document(status: int, title: str, detail: str, type_: str = "about:blank",
                     errors: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The problem details as a JSON object (also embedded in batch results)."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


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
        if error.status >= 500:
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
