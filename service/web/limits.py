"""Rate limits: one quota per API key, or per client address for requests without a key.

auth.identify decides which limit applies to a request (or none); `enforce` counts it. A
quota is shared by every limited route of the caller and counts requests (a batch is one
request; its size is bounded by SERVICE_BATCH_MAX instead). Counts live in memory (per
process) or, with a `redis://` SERVICE_RATE_LIMIT_STORAGE, in Redis, shared by every worker
and every instance.

The `limits` library provides the storage (Redis, or ours in memory) and the fixed-window
strategy; one quota per caller needs nothing of a framework around them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ..errors import ConfigError, RateLimited
from .auth import AccessPolicy

KEY_PREFIX = "hip-ir-screening"
# After a storage failure, requests go unlimited for this long before the storage is tried again.
STORAGE_RETRY_SECONDS = 5.0
# A Redis that does not answer must not hold requests up for long.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}

# In-memory counters drop expired windows once every this many hits.
SWEEP_EVERY = 1000

log = logging.getLogger(__name__)


class ProcessCounters(Storage):
    """Fixed-window counters in this process's memory, for SERVICE_RATE_LIMIT_STORAGE=memory://.

    limits' own MemoryStorage starts an expiry thread from inside a hit, which stalls that
    hit on a busy machine (docs/performance.md). Here expired windows are dropped on read and
    by a sweep every SWEEP_EVERY hits, so memory stays bounded by the callers of the current windows.
    """

    STORAGE_SCHEME = ["hip-ir-screening+memory"]  # noqa: RUF012  # read by limits' storage registry

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (count, time the window ends)
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            self._hits += 1
            if self._hits % SWEEP_EVERY == 0:
                self._windows = {name: window for name, window in self._windows.items() if window[1] > now}
            count, ends = self._windows.get(key, (0, now))
            if ends <= now:
                count, ends = 0, now + expiry
            self._windows[key] = (count + amount, ends)
            return count + amount

    def get(self, key: str) -> int:
        count, ends = self._windows.get(key, (0, 0.0))
        return count if ends > time.time() else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        return max(self._windows.get(key, (0, now))[1], now)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows = {}
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


@dataclass
class Quotas:
    """The configured limits, counted with one strategy over one storage."""

    strategy: FixedWindowRateLimiter
    items: dict[str, list[RateLimitItem]]
    """Each configured limit string, parsed once."""
    storage_down_until: float = field(default=0.0)

    def check(self, limit: str, bucket: str) -> None:
        """Count one request in `bucket`; RateLimited when one of the limit's windows is full."""
        if time.monotonic() < self.storage_down_until:
            return
        try:
            for item in self.items[limit]:
                if not self.strategy.hit(item, KEY_PREFIX, bucket):
                    reset_at = self.strategy.get_window_stats(item, KEY_PREFIX, bucket).reset_time
                    raise _over_limit(item, max(1, math.ceil(reset_at - time.time())))
        except StorageError as error:
            # Fail open: a rate-limit store that is down should not take the API down with it.
            self.storage_down_until = time.monotonic() + STORAGE_RETRY_SECONDS
            log.warning("rate limit storage unavailable, requests are not limited for %.0f s: %s",
                        STORAGE_RETRY_SECONDS, error)


def _over_limit(item: RateLimitItem, retry_after: int) -> RateLimited:
    client = g.get("client")
    whose = f"the API key {client!r}" if client else "requests without an API key from this address"
    return RateLimited(f"The rate limit of {item} for {whose} is used up; retry in {retry_after} s.",
                       headers={"Retry-After": str(retry_after)})


def _bucket() -> str:
    client = g.get("client")
    return f"key:{client}" if client else f"addr:{request.remote_addr or 'unknown'}"


def enforce() -> None:
    """before_request after auth.identify: count the request against the quota it chose, if any."""
    limit: str | None = g.get("rate_limit")
    if limit is not None:
        quotas: Quotas = current_app.extensions["rate_limits"]
        quotas.check(limit, _bucket())


def _strategy(app: Flask) -> FixedWindowRateLimiter:
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
    return FixedWindowRateLimiter(storage)


def _without_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"))


def init_app(app: Flask) -> None:
    policy: AccessPolicy = app.extensions["auth"]
    configured = {limit for limit in (policy.anon_limit, policy.key_limit) if isinstance(limit, str)}
    app.extensions["rate_limits"] = Quotas(_strategy(app), {limit: parse_many(limit) for limit in configured})
    app.before_request(enforce)
