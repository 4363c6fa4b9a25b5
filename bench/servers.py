"""Start gunicorn the way `make run` does, on a free port, and watch its processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GUNICORN = Path(sys.executable).with_name("gunicorn")
SERVICE_APP = "service:create_app()"
ECHO_APP = "bench.echo_app:create_app()"
# Production defaults (metrics, access log, a limiter that counts every request), with an anonymous
# quota the load generator cannot use up.
BENCH_ENV = {"SERVICE_ANON_RATE_LIMIT": "1000000000/minute"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        return [self.process.pid, *_children(self.process.pid)]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and the workers alive now."""
        return sum(_cpu_ticks(pid) for pid in self.pids()) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        """Resident memory of the master and every worker, summed."""
        return sum(_rss_kb(pid) for pid in self.pids()) / 1024


def launch(app: str, port: int, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """The command of `make run` (gunicorn with service.gunicorn_conf) for `app` on `port`."""
    RESULTS.mkdir(exist_ok=True)
    # A file, not a pipe: a full pipe would block a server that logs every request.
    with open(log_path(port), "wb") as log:
        return subprocess.Popen(
            [str(GUNICORN), "--config", "python:service.gunicorn_conf", app],
            cwd=ROOT,
            env={**os.environ, **BENCH_ENV, "PORT": str(port), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def log_path(port: int) -> Path:
    return RESULTS / f"gunicorn-{port}.log"


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> float:
    """Seconds until GET /readyz answers 200."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before it was ready; see {log_path(port)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.01)
    raise RuntimeError(f"not ready after {timeout} s")


def stop(process: subprocess.Popen[bytes], port: int) -> None:
    """Stop gunicorn; its log is kept only when it did not exit cleanly (the access log is large)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.returncode == 0:
        log_path(port).unlink(missing_ok=True)


def wait_for_workers(server: Server, count: int, timeout: float = 30.0) -> None:
    """/readyz answers as soon as one worker is up; measurements need all of them."""
    deadline = time.perf_counter() + timeout
    while len(server.pids()) < count + 1:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"fewer than {count} workers after {timeout} s; see {log_path(server.port)}")
        time.sleep(0.05)


@contextmanager
def running(app: str, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """A server that is ready, with every worker booted."""
    workers = int({**os.environ, **(env or {})}.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
    port = free_port()
    process = launch(app, port, env)
    try:
        wait_ready(port, process)
        server = Server(process, port)
        wait_for_workers(server, workers)
        yield server
    finally:
        stop(process, port)


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(int(child) for child in (task / "children").read_text().split())
    return children


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_ticks(pid: int) -> int:
    # Fields after the command name (which may hold spaces); utime and stime are the 14th and 15th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
