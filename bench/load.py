"""Drive a server with wrk and the rotating-bodies script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("rotate.lua")


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    errors: int
    """Socket errors (connect, read, write, timeout) plus responses with a status >= 400."""
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> str:
    """wrk's path; installed from Debian when missing (needs root and apt-get)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is missing: install it (Debian: apt-get install wrk) and run make bench again")
    print("installing wrk with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Another apt-get may hold the lock for a while on a shared machine: wait for it.
    wait = ["-o", "DPkg::Lock::Timeout=600"]
    subprocess.run(["apt-get", *wait, "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", *wait, "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "wrk"


def wrk(url: str, path: str, bodies: Path, seconds: float, connections: int, threads: int = 2) -> Run:
    """One wrk run of `seconds`."""
    env = {**os.environ, "BENCH_PATH": path, "BENCH_BODIES": str(bodies)}
    command = [ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(SCRIPT), url]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    stats = json.loads(line.removeprefix("BENCH "))
    errors = sum(stats[key] for key in ("connect", "read", "write", "timeout", "status"))
    return Run(stats["requests"], stats["duration_us"] / 1e6, errors, stats["p50_us"] / 1e3, stats["p99_us"] / 1e3)
