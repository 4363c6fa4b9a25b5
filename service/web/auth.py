"""API keys: who is calling, checked in constant time; only the key's name is kept.

Everything under the `v1` blueprint is protected, except views marked `@public` and CORS
preflights: a request there either carries a valid `Authorization: Bearer <key>` (and gets
the key's rate limit) or none (and gets the anonymous limit, or 401 when that limit is 0).
/metrics needs a valid key unless SERVICE_METRICS_PUBLIC is set. Every other endpoint (forms,
docs, health) is public and unlimited. A key that fails is kept in g.auth_failure and raised
by limits.enforce once the failure has been counted against the address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Request, current_app, g, request
from limits import parse_many

from ..errors import ConfigError, Unauthorized

PROTECTED_BLUEPRINTS = frozenset({"v1", "intake", "submissions"})
METRICS_ENDPOINT = "observability.metrics"
ANONYMOUS = "anonymous"
MIN_KEY_LENGTH = 16
KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
KEY_TEXT = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what fits in a header without quoting
REALM = 'Bearer realm="hip-ir-screening"'

View = TypeVar("View", bound=Callable[..., Any])


class KeyRequired:
    """The anonymous rate limit `0`: requests without a key are refused."""


KEY_REQUIRED = KeyRequired()


def public(view: View) -> View:
    """Mark a view of a protected blueprint as open to everyone, without a rate limit."""
    view.public = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class ApiKeys:
    """Known keys as SHA-256 digests, so that every comparison has the same length."""

    digests: tuple[tuple[str, bytes], ...]

    def name_for(self, key: str) -> str | None:
        """The name of the key, or None; every known key is compared, matched or not."""
        sent = _digest(key)
        found = None
        for name, digest in self.digests:
            if hmac.compare_digest(sent, digest):
                found = name
        return found


@dataclass(frozen=True)
class AccessPolicy:
    keys: ApiKeys
    anon_limit: str | KeyRequired | None
    """Limits notation, KEY_REQUIRED, or None for unlimited."""
    key_limit: str | None
    failure_limit: str | None
    """Failed keys allowed per address, in limits notation, or None for unlimited."""
    metrics_public: bool


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


def parse_keys(text: str, source: str) -> list[tuple[str, str]]:
    """`name:key` entries separated by commas or new lines; blank lines and `#` comments skipped."""
    entries = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("#"):
            continue
        for entry in line.split(","):
            entry = entry.strip()
            if not entry:
                continue
            where = f"{source}, line {line_number}" if source.endswith("_FILE") else source
            name, colon, key = entry.partition(":")
            name, key = name.strip(), key.strip()
            if not colon or not KEY_NAME.fullmatch(name):
                raise ConfigError(f"{where}: each entry must be name:key with a name of letters, digits, "
                                  f"'_', '.' or '-' (at most 64), not {name[:20]!r}.")
            if len(key) < MIN_KEY_LENGTH or not KEY_TEXT.fullmatch(key):
                raise ConfigError(f"{where}: the key of {name!r} must be at least {MIN_KEY_LENGTH} visible "
                                  "ASCII characters without spaces or commas.")
            entries.append((name, key))
    return entries


def load_keys(config: Mapping[str, Any]) -> ApiKeys:
    """SERVICE_API_KEYS and SERVICE_API_KEYS_FILE together; keys are unique, a name may have several (rotation)."""
    entries = parse_keys(str(config.get("API_KEYS") or ""), "SERVICE_API_KEYS")
    if config.get("API_KEYS_FILE"):
        path = Path(config["API_KEYS_FILE"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"SERVICE_API_KEYS_FILE: cannot read {path}: {error}") from error
        entries += parse_keys(text, "SERVICE_API_KEYS_FILE")
    if len({key for _, key in entries}) != len(entries):
        raise ConfigError("API keys: two names share the same key; give each client its own key.")
    return ApiKeys(tuple((name, _digest(key)) for name, key in entries))


def parse_limit(value: Any, setting: str, *, allow_key_required: bool) -> str | KeyRequired | None:
    """A rate limit setting: limits notation ("60/minute"), `none` (unlimited) or `0` (key required)."""
    text = "none" if value is None else str(value).strip()
    if text.lower() in ("none", ""):
        return None
    if text == "0" and allow_key_required:
        return KEY_REQUIRED
    try:
        parse_many(text)
    except ValueError as error:
        raise ConfigError(f"{setting}: {text!r} is not a rate limit such as 60/minute, 1000/hour or "
                          f"'none'{' or 0' if allow_key_required else ''}.") from error
    return text


def policy_from(config: Mapping[str, Any]) -> AccessPolicy:
    keys = load_keys(config)
    anon_limit = parse_limit(config["ANON_RATE_LIMIT"], "SERVICE_ANON_RATE_LIMIT", allow_key_required=True)
    key_limit = parse_limit(config["KEY_RATE_LIMIT"], "SERVICE_KEY_RATE_LIMIT", allow_key_required=False)
    failure_limit = parse_limit(config["AUTH_FAIL_RATE_LIMIT"], "SERVICE_AUTH_FAIL_RATE_LIMIT",
                                allow_key_required=False)
    if not keys.digests and anon_limit is KEY_REQUIRED:
        raise ConfigError("A key is required (SERVICE_ANON_RATE_LIMIT=0) but no key is configured: "
                          "set SERVICE_API_KEYS or SERVICE_API_KEYS_FILE.")
    assert not isinstance(key_limit, KeyRequired) and not isinstance(failure_limit, KeyRequired)
    return AccessPolicy(keys, anon_limit, key_limit, failure_limit, bool(config["METRICS_PUBLIC"]))


def _challenge(error: str | None = None) -> dict[str, str]:
    return {"WWW-Authenticate": f'{REALM}, error="{error}"' if error else REALM}


def _require_key(policy: AccessPolicy, header: str | None) -> str:
    if header is None:
        raise Unauthorized("This endpoint needs an API key: send the header 'Authorization: Bearer <key>'.",
                           headers=_challenge())
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <key>'.", headers=_challenge("invalid_request"))
    name = policy.keys.name_for(key.strip())
    if name is None:
        raise Unauthorized("The API key is not valid.", headers=_challenge("invalid_token"))
    return name


def _authenticate(policy: AccessPolicy, header: str | None) -> bool:
    """Set g.client, or g.auth_failure for limits.enforce to count and raise; True when the key is good."""
    g.key_presented = header is not None
    try:
        g.client = _require_key(policy, header)
    except Unauthorized as failure:
        g.auth_failure = failure
        return False
    return True


def key_required(view: View) -> View:
    """Mark a view of a protected blueprint as open to API keys only (401 before any rate limit)."""
    view.key_required = True  # type: ignore[attr-defined]
    return view


def organization() -> str:
    """The organization of the request's API key (its name), in a view marked `key_required`."""
    client: str = g.client
    return client


def identify() -> None:
    """before_request: on the protected blueprints and /metrics, say who calls and which quota applies."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    if req.blueprint in PROTECTED_BLUEPRINTS:
        if req.method != "OPTIONS":  # preflights carry no key
            _identify_caller(req)
    elif req.endpoint == METRICS_ENDPOINT:
        _identify_scraper(req)


def _identify_caller(req: Request) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    view = app.view_functions.get(req.endpoint or "")
    if getattr(view, "public", False):
        return
    policy: AccessPolicy = app.extensions["auth"]
    header = req.headers.get("Authorization")
    if header is None and not isinstance(policy.anon_limit, KeyRequired) and not getattr(view, "key_required", False):
        g.rate_limit = policy.anon_limit
    elif _authenticate(policy, header):
        g.rate_limit = policy.key_limit


def _identify_scraper(req: Request) -> None:
    """Unless SERVICE_METRICS_PUBLIC, any valid key may read /metrics."""
    policy: AccessPolicy = current_app.extensions["auth"]
    if policy.metrics_public:
        return
    if not policy.keys.digests:
        raise Unauthorized("/metrics needs an API key and none is configured: set SERVICE_API_KEYS, "
                           "or SERVICE_METRICS_PUBLIC=true to open it.", headers=_challenge())
    _authenticate(policy, req.headers.get("Authorization"))


def init_app(app: Flask) -> None:
    policy = policy_from(app.config)
    app.extensions["auth"] = policy
    app.before_request(identify)
