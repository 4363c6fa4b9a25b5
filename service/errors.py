"""One exception family for the whole service; each error carries its RFC 9457 problem details as data.

The HTTP layer (`web/errors.py`) turns them into responses; everything below it only raises them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PROBLEM_TYPE_BASE = "tag:hip-ir-screening,2026:problem:"


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


class NotFound(ServiceError):
    """No such resource for this caller: another organization's ids are not found either."""

    status, title, slug = 404, "Not Found", "not-found"


class InvalidRequest(ServiceError):
    """A body or query that is well-formed JSON but not what the endpoint takes; errors name each field."""

    status, title, slug = 422, "Invalid request", "invalid-request"


class ConsentRequired(ServiceError):
    status, title, slug = 422, "Consent required", "consent-required"


class IdempotencyKeyReused(ServiceError):
    """The Idempotency-Key was first sent with another body: the stored submission is not this one."""

    status, title, slug = 422, "Idempotency-Key reused", "idempotency-key-reused"


class StorageUnavailable(ServiceError):
    """The database cannot be reached now; headers carry Retry-After, and later requests try again."""

    status, title, slug = 503, "Storage unavailable", "storage-unavailable"


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
