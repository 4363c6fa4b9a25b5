"""Request ids, one JSON log line per request, and Prometheus metrics at GET /metrics.

Under gunicorn, gunicorn_conf.py sets PROMETHEUS_MULTIPROC_DIR (and has prometheus_client
use it) before the app is loaded: every worker then writes its values to files there and
/metrics sums them, so a scrape sees the whole server whichever worker answers it. Without
that variable (tests, `flask run`) metrics live in a registry of the app's own.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.multiprocess import MultiProcessCollector

from .auth import ANONYMOUS

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is echoed in a header and written to logs: short, and nothing that could
# split a header or a log line.
INCOMING_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"  # 404s: one label value, not one per path a scanner tries
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)

bp = Blueprint("observability", __name__)


class AccessLog:
    """One JSON line per request on stderr (whatever sys.stderr is at the time).

    Written directly rather than through `logging`, whose LogRecord per request costs more
    than the line itself, and formatted by hand: only the fields a client chooses are escaped
    (docs/performance.md).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._second = -1
        self._stamp = ""

    def write(self, request_id: str, method: str, path: str, route: str, status: int, elapsed: float,
              client: str, remote_addr: str | None, size: int | None, screening_id: str | None = None) -> None:
        """request_id, route, client and screening_id are ours or checked already; the rest is escaped."""
        # The screening's id leads from the result's "Reference scr_…" to this line.
        reference = f'"screening_id": "{screening_id}", ' if screening_id else ""
        line = (f'{{{reference}"time": "{self._time()}", "request_id": "{request_id}", "method": {_json(method)}, '
                f'"path": {_json(path)}, "route": {_json(route)}, "status": {status}, '
                f'"duration_ms": {round(elapsed * 1000, 3)}, "client": "{client}", '
                f'"remote_addr": {_json(remote_addr)}, "bytes": {_json(size)}}}\n')
        with self._lock:  # one line at a time from the worker's threads
            sys.stderr.write(line)
            sys.stderr.flush()

    def _time(self) -> str:
        """UTC with milliseconds; the part up to the second is formatted once a second."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int((now - second) * 1000):03d}+00:00"


def _json(value: Any) -> str:
    return json.dumps(value)


class RequestIds:
    """Ids unique per process without a syscall each: a random prefix, new in every forked worker, and a count."""

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._count = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._count):016x}"


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    """What /metrics exposes: the app's own metrics, or the sum over every worker's files."""
    requests: Counter
    latency: Histogram
    screenings: Counter
    batch_items: Histogram
    children: dict[tuple[str, ...], Any] = field(default_factory=dict)
    """Labelled children by their labels: `labels()` validates and locks on every call."""

    def count_request(self, route: str, method: str, status: str, client: str, elapsed: float) -> None:
        children = self.children
        key = (route, method, status, client)
        counter = children.get(key) or children.setdefault(key, self.requests.labels(*key))
        counter.inc()
        histogram = children.get(key[:2]) or children.setdefault(key[:2], self.latency.labels(route, method))
        histogram.observe(elapsed)

    def count_screening(self, decision: str) -> None:
        key = (decision,)
        (self.children.get(key) or self.children.setdefault(key, self.screenings.labels(decision))).inc()


def multiprocess() -> bool:
    """prometheus_client chose file-backed values at import (PROMETHEUS_MULTIPROC_DIR was set)."""
    return prometheus_values.ValueClass is not prometheus_values.MutexValue


def build_metrics(rules_version: str) -> Metrics:
    if multiprocess():
        # Values go to per-process files whatever registry they are in; the collector sums them.
        exposed = CollectorRegistry()
        MultiProcessCollector(exposed)  # type: ignore[no-untyped-call]
        own = None
    else:
        exposed = own = CollectorRegistry()
    metrics = Metrics(
        registry=exposed,
        requests=Counter("hip_screening_http_requests", "HTTP requests by route, method, status and API key name.",
                         ["route", "method", "status", "client"], registry=own),
        latency=Histogram("hip_screening_http_request_duration_seconds", "Time to answer a request, in seconds.",
                          ["route", "method"], buckets=LATENCY_BUCKETS, registry=own),
        screenings=Counter("hip_screening_screenings", "Screenings by decision (single and batch items).",
                           ["decision"], registry=own),
        batch_items=Histogram("hip_screening_batch_items", "Items per accepted batch request.",
                              buckets=BATCH_BUCKETS, registry=own),
    )
    rules = Gauge("hip_screening_rules_info", "The rulebook in use (value 1; the version is the label).",
                  ["rules_version"], multiprocess_mode="max", registry=own)
    rules.labels(rules_version).set(1)
    return metrics


def _metrics() -> Metrics:
    metrics: Metrics = current_app.extensions["metrics"]
    return metrics


def count_screening(decision: str) -> None:
    _metrics().count_screening(decision)


def observe_batch(size: int) -> None:
    _metrics().batch_items.observe(size)


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER)
    context = g._get_current_object()
    if incoming is not None and INCOMING_REQUEST_ID.fullmatch(incoming):
        context.request_id = incoming
    else:
        ids: RequestIds = current_app.extensions["request_ids"]
        context.request_id = ids.next()
    context.started = time.perf_counter()


def _finish(response: Response) -> Response:
    # Runs on every request: proxies (request, g, current_app) are resolved once each.
    context = g._get_current_object()
    elapsed = time.perf_counter() - context.started
    req = request._get_current_object()  # type: ignore[attr-defined]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    response.headers[REQUEST_ID_HEADER] = context.request_id
    route = req.url_rule.rule if req.url_rule else UNMATCHED_ROUTE
    method = req.method if req.method in METHODS else "OTHER"
    client = context.get("client") or ANONYMOUS
    status = response.status_code
    metrics: Metrics = app.extensions["metrics"]
    metrics.count_request(route, method, str(status), client, elapsed)
    access_log: AccessLog | None = app.extensions["access_log"]
    if access_log is not None:
        access_log.write(context.request_id, req.method, req.path, route, status, elapsed, client,
                         req.remote_addr, response.content_length, context.get("screening_id"))
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics of the whole server (all workers)."""
    return Response(generate_latest(_metrics().registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Register first, so that every later hook and view runs with a request id and a clock."""
    app.extensions["metrics"] = build_metrics(app.extensions["screening"].rulebook.rules_version)
    app.extensions["access_log"] = AccessLog() if app.config["ACCESS_LOG"] else None
    app.extensions["request_ids"] = RequestIds()
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
