"""gunicorn settings for `make run`; every value can be overridden from the environment."""

import contextlib
import ctypes
import glob
import os
import resource
import shutil
import tempfile
from typing import Any

from prometheus_client import multiprocess
from prometheus_client import values as prometheus_values

# Metrics from every worker are summed through files in this directory (prometheus_client
# multiprocess mode). It must start empty: files of an earlier run would add old counts.
_metrics_dir_owned = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _metrics_dir_owned:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hip-screening-metrics-")
for _stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
    os.remove(_stale)
# prometheus_client picks its value storage when first imported, and importing this module as
# python:service.gunicorn_conf has already imported it through the service package: pick again
# now that the directory is set (no metric exists yet; the app creates them when preloaded).
prometheus_values.ValueClass = prometheus_values.get_value_class()  # type: ignore[no-untyped-call]

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# durable-rules holds the GIL for every evaluation: processes add throughput, threads do not.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
# gthread that reads each request whole before a thread takes it: stalled clients hold no thread.
worker_class = "service.gunicorn_worker.BufferingWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Every waiting connection is a file descriptor: take the hard limit, and stop accepting short of it.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_wanted = 65536 if _hard == resource.RLIM_INFINITY else _hard
with contextlib.suppress(ValueError, OSError):
    resource.setrlimit(resource.RLIMIT_NOFILE, (_wanted, _hard))
    _soft = _wanted
worker_connections = max(64, min(4096, _soft - 64))
# gunicorn's default control socket is one path per user: a second instance would take it over.
control_socket_disable = True
# Load the rulebook once in the master: a bad rulebook stops start-up before any fork,
# and forking after durable-rules' Host is built is safe.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = None  # the app writes one JSON line per request itself
errorlog = "-"

# durable-rules allocates each evaluation's session from the calling thread's malloc arena,
# and glibc keeps what was freed in that arena: with one arena per request thread, every
# worker held about 2 MB more after warming up. Sharing two arenas keeps that down. An
# explicit MALLOC_ARENA_MAX in the environment wins; elsewhere than glibc this does nothing.
MALLOC_ARENAS = 2
if "MALLOC_ARENA_MAX" not in os.environ:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(-8, MALLOC_ARENAS)  # -8 is glibc's M_ARENA_MAX


# After a request with a large body, freed memory goes back to the system instead of staying in
# the worker's heap: large batches would otherwise leave each worker holding their peak.
TRIM_AFTER_BODY_BYTES = 256 * 1024
_libc = None
with contextlib.suppress(OSError, AttributeError):
    _libc = ctypes.CDLL(None)
    _libc.malloc_trim  # noqa: B018  # glibc only


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    """Give a large request's memory back to the system once it is answered."""
    length = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if _libc is not None and (chunked or (length.isdigit() and int(length) > TRIM_AFTER_BODY_BYTES)):
        _libc.malloc_trim(0)


def child_exit(server: Any, worker: Any) -> None:
    """A worker's live gauges go with it; its counters stay in the sums."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    if _metrics_dir_owned:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
