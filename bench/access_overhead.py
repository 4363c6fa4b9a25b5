"""Per-request cost of request ids, metrics, the JSON access log, API keys and rate limits.

Calls the WSGI app in process (no sockets, no gunicorn) and counts this process's CPU time
(time.process_time), so that other processes on a shared machine disturb the figures less;
variants are interleaved round by round. Prints the median CPU µs per request of each variant
and its overhead over the same app with every hook removed, then the CPU time spent inside
each request hook.

    .venv/bin/python bench/access_overhead.py [--requests 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from werkzeug.test import EnvironBuilder

from service import create_app

KEY = "bench-key-0123456789abcdef"
ANSWERS = {"sex": "male", "sports": ["strength"], "lifting_style": "sumo", "sumo_days_per_week": 5,
           "squats": True, "prior_soft_tissue_work": False, "hip_ir": "limited"}


def echo_app() -> Flask:
    app = Flask("echo")

    @app.post("/echo")
    def echo() -> Any:
        return request.get_json()

    return app


def without_hooks(app: Flask) -> Flask:
    app.before_request_funcs.clear()
    app.after_request_funcs.clear()
    app.teardown_request_funcs.clear()
    return app


def caller(app: Flask, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Callable[[], None]:
    def call() -> None:
        builder = EnvironBuilder(path=path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body) if body is not None else None,
                                 content_type="application/json" if body is not None else None,
                                 headers=headers or {})
        environ = builder.get_environ()
        status: list[str] = []
        chunks = app(environ, lambda s, h, exc_info=None: status.append(s))  # type: ignore[arg-type]
        b"".join(chunks)
        assert status[0].startswith("200"), status
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    # Access log lines are formatted and written as in production, to /dev/null instead of stderr.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        measure(args.requests, args.rounds)


def measure(requests: int, rounds: int) -> None:
    unlimited = {"ANON_RATE_LIMIT": "none", "KEY_RATE_LIMIT": "none", "API_KEYS": f"bench:{KEY}"}
    limited = {"ANON_RATE_LIMIT": "1000000/minute", "KEY_RATE_LIMIT": "1000000/minute", "API_KEYS": f"bench:{KEY}"}
    bare = without_hooks(create_app({**unlimited, "ACCESS_LOG": False}))
    full = create_app(limited)
    full_nolog = create_app({**limited, "ACCESS_LOG": False})
    unlimited_nolog = create_app({**unlimited, "ACCESS_LOG": False})
    auth_header = {"Authorization": f"Bearer {KEY}"}
    variants = {
        "echo: bare Flask JSON echo": caller(echo_app(), "/echo", ANSWERS),
        "healthz, no hooks": caller(bare, "/healthz"),
        "healthz, all hooks (public)": caller(full, "/healthz"),
        "screening, no hooks": caller(bare, "/v1/screenings", ANSWERS),
        "screening, anonymous, limited, logged": caller(full, "/v1/screenings", ANSWERS),
        "screening, API key, limited, logged": caller(full, "/v1/screenings", ANSWERS, auth_header),
        "screening, API key, limited, no log": caller(full_nolog, "/v1/screenings", ANSWERS, auth_header),
        "screening, API key, unlimited, no log": caller(unlimited_nolog, "/v1/screenings", ANSWERS, auth_header),
        "screening, anonymous, unlimited, no log": caller(unlimited_nolog, "/v1/screenings", ANSWERS),
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for call in variants.values():
        for _ in range(200):
            call()
    for _ in range(rounds):
        for name, call in variants.items():
            started = time.process_time()
            for _ in range(requests):
                call()
            timings[name].append((time.process_time() - started) / requests * 1e6)
    median = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{'variant':42} {'CPU µs/request':>14} {'overhead µs':>12}")
    for name, value in median.items():
        base = median["healthz, no hooks"] if name.startswith("healthz") else median["screening, no hooks"]
        overhead = "" if name.startswith("echo") or "no hooks" in name else f"{value - base:+.1f}"
        print(f"{name:42} {value:14.1f} {overhead:>12}")
    print()
    print("CPU time inside each request hook, median µs per request:")
    for label, path, headers in [("public /healthz", "/healthz", {}),
                                 ("screening, anonymous, limited, logged", "/v1/screenings", {}),
                                 ("screening, API key, limited, logged", "/v1/screenings", auth_header)]:
        spent = time_hooks(create_app(limited), path, ANSWERS if path != "/healthz" else None, headers, requests)
        print(f"  {label}: " + ", ".join(f"{hook} {value:.1f}" for hook, value in spent.items())
              + f"; total {sum(spent.values()):.1f}")


def time_hooks(app: Flask, path: str, body: Any, headers: dict[str, str], requests: int) -> dict[str, float]:
    """Median time spent in each request hook of `app` over `requests` calls."""
    spent: dict[str, list[float]] = {}
    for registry in (app.before_request_funcs, app.after_request_funcs):
        for hooks in registry.values():
            for position, hook in enumerate(hooks):
                name = getattr(hook, "__name__", repr(hook))

                def timed(*args: Any, _hook: Any = hook, _name: str = name) -> Any:
                    started = time.thread_time()
                    result = _hook(*args)
                    spent.setdefault(_name, []).append(time.thread_time() - started)
                    return result

                hooks[position] = timed
    call = caller(app, path, body, headers)
    for _ in range(requests):
        call()
    return {name: statistics.median(values) * 1e6 for name, values in spent.items()}


if __name__ == "__main__":
    main()
