"""In-memory fixed-window counters for SERVICE_RATE_LIMIT_STORAGE=memory:// (one process's own)."""

from __future__ import annotations

import threading
import time

from limits.storage import Storage

# Expired windows are dropped once every this many hits.
SWEEP_EVERY = 1000


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
