"""Memory of every service process (master and workers) over a long run of requests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import load, servers
from .throughput import SCREENINGS

LONGEST_RUN = 10.0


@dataclass(frozen=True)
class Figures:
    rss_mb: list[float]
    """Resident memory when ready, then after each wrk run."""
    requests: int
    errors: int

    @property
    def growth_mb(self) -> float:
        return self.rss_mb[-1] - self.rss_mb[0]


def measure(bodies: Path, total: int, connections: int) -> Figures:
    """wrk runs time-boxed, so runs continue (each sized by the last rate) until `total` requests."""
    with servers.running(servers.SERVICE_APP) as service:
        rss = [service.rss_mb()]
        requests = errors = 0
        seconds = 2.0
        while requests < total:
            run = load.wrk(service.url, SCREENINGS, bodies, seconds, connections)
            requests += run.requests
            errors += run.errors
            rss.append(service.rss_mb())
            # The first run is slower (cold caches): aim a little short and let the loop top up.
            seconds = min(LONGEST_RUN, max(1.0, 0.9 * (total - requests) / run.rate))
    return Figures(rss, requests, errors)
