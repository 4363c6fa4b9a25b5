"""Seconds from launching gunicorn (the `make run` command) to GET /readyz answering 200."""

from __future__ import annotations

from . import servers


def measure(times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        port = servers.free_port()
        process = servers.launch(servers.SERVICE_APP, port)
        try:
            seconds.append(servers.wait_ready(port, process))
        finally:
            servers.stop(process, port)
    return seconds
