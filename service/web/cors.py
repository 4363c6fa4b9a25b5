"""CORS for browser callers on other origins: requests without credentials, preflight included.

Allowed origins come from the CORS_ORIGINS setting: "*" (the default) allows any origin;
otherwise a list, or a string of origins separated by commas or spaces, such as
"https://gym.example, https://clinic.example".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

ALLOW_HEADERS = ("Content-Type", "Authorization", "X-Request-ID", "Idempotency-Key")
EXPOSE_HEADERS = ("X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
                  "Location", "Idempotent-Replayed")
# Endpoints for operators' tools, not for pages on other origins.
NOT_FOR_BROWSERS = frozenset({"observability.metrics"})
PREFLIGHT_MAX_AGE = 600
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class CorsPolicy:
    """Which origins may call the service from a browser; None means any."""

    origins: frozenset[str] | None

    def allows(self, origin: str) -> bool:
        return self.origins is None or normalize_origin(origin) in self.origins

    def frame_ancestors(self) -> str:
        """The CSP frame-ancestors source list that lets the same origins frame /form."""
        if self.origins is None:
            return "*"
        return " ".join(["'self'", *sorted(self.origins)])


def normalize_origin(origin: str) -> str:
    """An origin as browsers serialize it: lower case, default port left out; '' when it is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or parts.path not in ("", "/") or parts.query or parts.fragment \
            or parts.username is not None:
        return ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, _DEFAULT_PORTS[scheme]) else "")


def policy_from_setting(setting: Any) -> CorsPolicy:
    """The policy for a CORS_ORIGINS value; a value that is not a list of origins stops start-up."""
    if isinstance(setting, str):
        items: Iterable[Any] = setting.replace(",", " ").split()
    elif isinstance(setting, (list, tuple)):
        items = setting
    else:
        raise ValueError(f"CORS_ORIGINS must be '*' or a list of origins, not {setting!r}")
    entries = [str(item).strip() for item in items]
    if not entries:
        raise ValueError("CORS_ORIGINS is empty: use '*' for any origin, or list the origins")
    if "*" in entries:
        if len(entries) > 1:
            raise ValueError("CORS_ORIGINS: '*' already allows every origin; do not list others with it")
        return CorsPolicy(None)
    origins = {entry: normalize_origin(entry) for entry in entries}
    bad = [entry for entry, origin in origins.items() if not origin]
    if bad:
        raise ValueError(f"CORS_ORIGINS: not an origin (scheme://host[:port]): {', '.join(bad)}")
    return CorsPolicy(frozenset(origins.values()))


def policy() -> CorsPolicy:
    cors_policy: CorsPolicy = current_app.extensions["cors"]
    return cors_policy


def init_app(app: Flask) -> None:
    """Answer preflights and add CORS headers to every response, errors included."""
    app.extensions["cors"] = policy_from_setting(app.config["CORS_ORIGINS"])
    app.before_request(_answer_preflight)
    app.after_request(_add_headers)


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Origin" in request.headers \
        and "Access-Control-Request-Method" in request.headers


def _answer_preflight() -> Response | None:
    # Answered before any other hook: a preflight carries no credentials by design, so
    # checks meant for the real request (API keys, for one) must not refuse it.
    if not _is_preflight() or request.routing_exception is not None or request.url_rule is None:
        return None  # not a preflight, or an unknown path: the usual 404/405 follows
    response = Response(status=204)
    del response.headers["Content-Type"]  # an empty answer has no type
    methods = sorted(request.url_rule.methods or ())
    response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
    response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOW_HEADERS)
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _add_headers(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if request.endpoint in NOT_FOR_BROWSERS:
        return response
    cors_policy = policy()
    if cors_policy.origins is not None:
        response.vary.add("Origin")  # the answer differs per origin, so caches must key on it
    if origin is None or not cors_policy.allows(origin):
        if _is_preflight():
            for name in ("Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"):
                response.headers.pop(name, None)
        return response
    response.headers["Access-Control-Allow-Origin"] = "*" if cors_policy.origins is None else origin
    if not _is_preflight():
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSE_HEADERS)
    return response
