"""gunicorn settings for `make run`; every value can be overridden from the environment."""

import contextlib
import ctypes
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# durable-rules holds the GIL for every evaluation: processes add throughput, threads do not.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Load the rulebook once in the master: a bad rulebook stops start-up before any fork,
# and forking after durable-rules' Host is built is safe.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = None
errorlog = "-"

# durable-rules allocates each evaluation's session from the calling thread's malloc arena,
# and glibc keeps what was freed in that arena: with one arena per request thread, every
# worker held about 2 MB more after warming up. Sharing two arenas keeps that down. An
# explicit MALLOC_ARENA_MAX in the environment wins; elsewhere than glibc this does nothing.
MALLOC_ARENAS = 2
if "MALLOC_ARENA_MAX" not in os.environ:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(-8, MALLOC_ARENAS)  # -8 is glibc's M_ARENA_MAX
