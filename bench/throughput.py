"""HTTP throughput of the service beside a bare Flask echo, both under the same gunicorn settings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from . import load, servers

SCREENINGS = "/v1/screenings"
ECHO = "/echo"


@dataclass(frozen=True)
class Side:
    runs: list[load.Run]
    cpu_us_per_request: list[float]

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    @property
    def cpu_us(self) -> float:
        return statistics.median(self.cpu_us_per_request)


# The service on gunicorn's own gthread worker, without the buffering worker of service/gunicorn_worker.py.
PLAIN_GTHREAD = {"GUNICORN_CMD_ARGS": "--worker-class gthread"}


@dataclass(frozen=True)
class Figures:
    echo: Side
    service: Side
    plain: Side
    """The service on plain gthread workers: the slow-client defence's cost is service against this."""
    cold: load.Run
    """The service's first run, before its workers had seen the answer sets."""

    def ratio(self, attribute: str, side: str = "service", base: str = "echo") -> float:
        """Median over the rounds of side / base, each run against the other's run of the same round.

        A burst of load from elsewhere spoils one round, not the figure.
        """
        pairs = zip(getattr(self, base).runs, getattr(self, side).runs, strict=True)
        return statistics.median(getattr(run, attribute) / getattr(other, attribute) for other, run in pairs)


def measure(bodies: Path, rounds: int, seconds: float, connections: int) -> Figures:
    """Echo and service runs alternate, so that both see the same moments of a noisy machine."""
    with servers.running(servers.ECHO_APP) as echo, servers.running(servers.SERVICE_APP) as service, \
            servers.running(servers.SERVICE_APP, PLAIN_GTHREAD) as plain:
        cold = load.wrk(service.url, SCREENINGS, bodies, seconds, connections)
        # Each worker fills its own cache: warm until both have seen every answer set a few times.
        load.wrk(service.url, SCREENINGS, bodies, seconds, connections)
        load.wrk(plain.url, SCREENINGS, bodies, seconds * 2, connections)
        load.wrk(echo.url, ECHO, bodies, 2, connections)
        sides: dict[str, tuple[list[load.Run], list[float]]] = {"echo": ([], []), "service": ([], []),
                                                                 "plain": ([], [])}
        for _ in range(rounds):
            for name, server, path in (("echo", echo, ECHO), ("service", service, SCREENINGS),
                                       ("plain", plain, SCREENINGS)):
                cpu_before = server.cpu_seconds()
                run = load.wrk(server.url, path, bodies, seconds, connections)
                runs, cpu = sides[name]
                runs.append(run)
                cpu.append((server.cpu_seconds() - cpu_before) / run.requests * 1e6)
    return Figures(Side(*sides["echo"]), Side(*sides["service"]), Side(*sides["plain"]), cold)
