"""Rate limits: one quota per API key, or per client address for requests without a key.

auth.identify decides which quota applies to a request (or none) and whether its key failed;
`enforce` counts it. A quota is shared by every limited route of the caller; a batch of N
items costs N. Failed authentication costs the address its anonymous quota and its own,
stricter one, and an address over that one may present no key at all until its window ends.
Counts live in memory (per process) or, with a `redis://` SERVICE_RATE_LIMIT_STORAGE, in
Redis, shared by every worker and every instance.

The `limits` library provides the storage (Redis, or ours in memory) and the parsed limits;
the fixed window is its storage's `incr` with an expiry, counted here so that one call gives
both the verdict and the RateLimit-* headers.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string

from ..errors import ConfigError, LimitsUnavailable, RateLimited
from .auth import AccessPolicy
from .counters import ProcessCounters

KEY_PREFIX = "hip-ir-screening"
# After a storage failure the storage is left alone this long (requests pass, or get 503 when closed).
STORAGE_RETRY_SECONDS = 5.0
# A Redis that does not answer must not hold requests up for long.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
FAIL_MODES = ("open", "closed")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """The tightest window of a quota after a hit: what the RateLimit-* headers say."""

    limit: int
    remaining: int
    reset: int


class Quotas:
    """The configured limits, counted in fixed windows over one storage."""

    def __init__(self, storage: Storage, limits: set[str], fail_open: bool) -> None:
        self.storage = storage
        self.items: dict[str, list[RateLimitItem]] = {limit: parse_many(limit) for limit in limits}
        self.fail_open = fail_open
        self.down_until = 0.0

    def hit(self, limit: str, bucket: str, cost: int = 1, who: str = "") -> Window | None:
        """Count `cost` in every window of `limit`; RateLimited when one is over; None when not counted."""
        if not self._usable():
            return None
        try:
            tightest = None
            for item in self.items[limit]:
                key = item.key_for(KEY_PREFIX, bucket)
                count = self.storage.incr(key, item.get_expiry(), amount=cost)
                window = Window(item.amount, max(0, item.amount - count), self._reset(key))
                if tightest is None or window.remaining < tightest.remaining:
                    tightest = window
                if count > item.amount:
                    g.rate_window = window
                    raise _over_limit(item, window.reset, who)
            return tightest
        except StorageError as error:
            self._failed(error)
            return None

    def fits(self, limit: str, bucket: str, cost: int) -> bool:
        """Whether `cost` more fits in every window of `limit`, without counting it."""
        if not self._usable():
            return True
        try:
            return all(self.storage.get(item.key_for(KEY_PREFIX, bucket)) + cost <= item.amount
                       for item in self.items[limit])
        except StorageError as error:
            self._failed(error)
            return True

    def reachable(self) -> bool:
        return bool(self.storage.check())

    def _reset(self, key: str) -> int:
        return max(1, math.ceil(self.storage.get_expiry(key) - time.time()))

    def _usable(self) -> bool:
        if time.monotonic() >= self.down_until:
            return True
        self._refuse_unless_open()
        return False

    def _failed(self, error: StorageError) -> None:
        self.down_until = time.monotonic() + STORAGE_RETRY_SECONDS
        log.warning("rate limit storage unavailable, requests are %s for %.0f s: %s",
                    "not limited" if self.fail_open else "refused", STORAGE_RETRY_SECONDS, error)
        self._refuse_unless_open()

    def _refuse_unless_open(self) -> None:
        if not self.fail_open:
            raise LimitsUnavailable("Rate limits cannot be checked right now; retry shortly.",
                                    headers={"Retry-After": str(int(STORAGE_RETRY_SECONDS))})


def _over_limit(item: RateLimitItem, retry_after: int, who: str) -> RateLimited:
    client = g.get("client")
    whose = who or (f"the API key {client!r}" if client else "requests without an API key from this address")
    return RateLimited(f"The rate limit of {item} for {whose} is used up; retry in {retry_after} s.",
                       headers={"Retry-After": str(retry_after)})


def _address() -> str:
    return f"addr:{request.remote_addr or 'unknown'}"


def _quotas() -> Quotas:
    quotas: Quotas = current_app.extensions["rate_limits"]
    return quotas


def enforce() -> None:
    """before_request after auth.identify: count the request, or its failed key, against its quotas."""
    context = g._get_current_object()
    failure = context.get("auth_failure")
    if context.get("key_presented"):
        _refuse_while_guessing()
    if failure is not None:
        _count_failure()
        raise failure
    limit: str | None = context.get("rate_limit")
    if limit is not None:
        client = context.get("client")
        context.rate_window = _quotas().hit(limit, f"key:{client}" if client else _address())


def _refuse_while_guessing() -> None:
    policy: AccessPolicy = current_app.extensions["auth"]
    if policy.failure_limit is not None and not _quotas().fits(policy.failure_limit, "fail:" + _address(), 1):
        _quotas().hit(policy.failure_limit, "fail:" + _address(), who="failed API keys from this address")


def _count_failure() -> None:
    policy: AccessPolicy = current_app.extensions["auth"]
    if policy.failure_limit is not None:
        _quotas().hit(policy.failure_limit, "fail:" + _address(), who="failed API keys from this address")
    if isinstance(policy.anon_limit, str):
        _quotas().hit(policy.anon_limit, _address())


def charge(cost: int) -> None:
    """Count `cost` more against the request's quota (the rest of a batch), refusing it whole if it does not fit."""
    limit: str | None = g.get("rate_limit")
    if limit is None or cost <= 0:
        return
    client = g.get("client")
    bucket = f"key:{client}" if client else _address()
    if not _quotas().fits(limit, bucket, cost):
        window = g.get("rate_window")
        left = f"; {window.remaining} remain in this window" if window else ""
        raise RateLimited(f"This batch costs {cost + 1} requests of the rate limit {limit}{left}. "
                          "Send a smaller batch, or retry later.",
                          headers={"Retry-After": str(window.reset if window else 1)})
    g.rate_window = _quotas().hit(limit, bucket, cost)


def add_headers(response: Response) -> Response:
    window: Window | None = g.get("rate_window")
    if window is not None:
        response.headers["RateLimit-Limit"] = str(window.limit)
        response.headers["RateLimit-Remaining"] = str(window.remaining)
        response.headers["RateLimit-Reset"] = str(window.reset)
    return response


def state() -> str:
    """For /readyz: "ok", or "degraded" when the storage cannot be reached."""
    return "ok" if _quotas().reachable() else "degraded"


def _storage(app: Flask) -> Storage:
    uri = str(app.config["RATE_LIMIT_STORAGE"])
    if uri == "memory://":
        uri = f"{ProcessCounters.STORAGE_SCHEME[0]}://"
    options: dict[str, float | str | bool] = {"wrap_exceptions": True}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        options.update(REDIS_TIMEOUTS)
    try:
        storage = storage_from_string(uri, **options)
    except Exception as error:  # an unknown scheme, or a driver that is not installed
        shown = _without_password(uri)
        reason = str(error).replace(uri, shown)
        # from None: the original message, printed with the traceback, would show the password.
        raise ConfigError(f"SERVICE_RATE_LIMIT_STORAGE: cannot use {shown!r}: {reason}") from None
    if not isinstance(storage, Storage):
        raise ConfigError(f"SERVICE_RATE_LIMIT_STORAGE: {_without_password(uri)!r} is an asyncio storage; "
                          "use the scheme without 'async+'.")
    return storage


def _without_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"))


def _fail_mode(app: Flask) -> bool:
    mode = str(app.config["RATE_LIMIT_FAIL"]).strip().lower()
    if mode not in FAIL_MODES:
        raise ConfigError(f"SERVICE_RATE_LIMIT_FAIL: {mode!r} is not 'open' or 'closed'.")
    return mode == "open"


def init_app(app: Flask) -> None:
    policy: AccessPolicy = app.extensions["auth"]
    configured = {limit for limit in (policy.anon_limit, policy.key_limit, policy.failure_limit)
                  if isinstance(limit, str)}
    quotas = Quotas(_storage(app), configured, _fail_mode(app))
    if configured and not quotas.reachable():
        log.warning("rate limit storage %s cannot be reached at start: requests are %s until it can",
                    _without_password(str(app.config["RATE_LIMIT_STORAGE"])),
                    "not limited" if quotas.fail_open else "refused with 503")
    app.extensions["rate_limits"] = quotas
    app.before_request(enforce)
    app.after_request(add_headers)
