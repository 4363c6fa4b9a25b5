"""One exception family for the whole service; each error carries its RFC 9457 problem details as data.

The HTTP layer (`web/errors.py`) turns them into responses; everything below it only raises them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

_PROBLEM_TYPE_BASE = "tag:hip-ir-screening,2026:problem:"
# Problems listed in one document: enough to fix a request, too few for a hostile one to multiply the output.
MAX_LISTED_ERRORS = 10


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


class DuplicateKey(ServiceError):
    """A JSON object names the same key twice: parsers disagree on which one counts, so neither does."""

    status, title, slug = 400, "Duplicate key", "duplicate-key"


class MalformedBody(ServiceError):
    """The body could not be read as sent (a broken chunked encoding, for one); headers close the connection."""

    status, title, slug = 400, "Malformed body", "malformed-body"


class UnsupportedMediaType(ServiceError):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class InvalidAnswers(ServiceError):
    status, title, slug = 422, "Invalid answers", "invalid-answers"


class InvalidBatch(ServiceError):
    """The batch envelope is wrong; problems with single items are reported per item instead."""

    status, title, slug = 422, "Invalid batch", "invalid-batch"


class BatchTooLarge(ServiceError):
    """More items than allowed: a rule of the body's schema (maxItems), so 422 like the others; 413 is for bytes."""

    status, title, slug = 422, "Batch too large", "batch-too-large"


class Unauthorized(ServiceError):
    """No key where one is required, or a key that is not valid; headers carry WWW-Authenticate."""

    status, title, slug = 401, "Unauthorized", "unauthorized"


class RateLimited(ServiceError):
    """Over the client's rate limit; headers carry Retry-After."""

    status, title, slug = 429, "Too Many Requests", "rate-limited"


class LimitsUnavailable(ServiceError):
    """The rate-limit storage cannot be reached and SERVICE_RATE_LIMIT_FAIL=closed; headers carry Retry-After."""

    status, title, slug = 503, "Service Unavailable", "rate-limits-unavailable"


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

    status, title, slug = 409, "Idempotency-Key reused", "idempotency-key-reused"


class StorageUnavailable(ServiceError):
    """The database cannot be reached now; headers carry Retry-After, and later requests try again."""

    status, title, slug = 503, "Storage unavailable", "storage-unavailable"


class EngineError(ServiceError):
    """durable-rules misbehaved; the details go to the log, never to the client."""


class ConfigError(ValueError):
    """A SERVICE_* setting is invalid; raised at start-up, the message names the setting."""


def problem_document(status: int, title: str, detail: str, type_: str = "about:blank",
                     errors: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The problem details as a JSON object (also embedded in batch results), listing at most MAX_LISTED_ERRORS."""
    if errors is not None and len(errors) > MAX_LISTED_ERRORS:
        detail = (f"{len(errors)} problems were found; the first {MAX_LISTED_ERRORS} are listed in errors "
                  f"(at most {MAX_LISTED_ERRORS} are listed).")
        errors = dict(itertools.islice(errors.items(), MAX_LISTED_ERRORS))
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body
