"""Slow clients: normal requests while many connections stall mid-headers or mid-body.

Half the stalled connections send `GET /healthz HTTP/1.1\\r\\nHo` and stop; the other half send the
headers of a screening and 10 bytes of its body and stop. Meanwhile one client sends screenings one
after another (each on a new connection, 2 s timeout) and records their latency, and every stalled
connection is watched for the moment the server closes it.
"""

from __future__ import annotations

import http.client
import json
import selectors
import socket
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import servers

PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Figures:
    stalled: int
    seconds: float
    served: int
    failed: int
    p50_ms: float
    p99_ms: float
    closed: int
    """Stalled connections the server closed before the end."""
    closed_after_s: float
    """Median seconds from stalling to being closed (0 when none were)."""


def measure(answers: Mapping[str, Any], stalled: int, seconds: float, env: Mapping[str, str] | None = None) -> Figures:
    body = json.dumps(answers).encode()
    with servers.running(servers.SERVICE_APP, env) as server:
        connections = _stall(server.port, stalled, body)
        started = time.monotonic()
        watcher = selectors.DefaultSelector()
        for connection in connections:
            watcher.register(connection, selectors.EVENT_READ)
        closed_at: dict[socket.socket, float] = {}
        latencies: list[float] = []
        failed = 0
        while time.monotonic() - started < seconds:
            latency = _probe(server.port, body)
            if latency is None:
                failed += 1
            else:
                latencies.append(latency)
            for key, _ in watcher.select(timeout=0):
                closed_at[key.fileobj] = time.monotonic() - started  # type: ignore[index]
                watcher.unregister(key.fileobj)
        watcher.close()
        for connection in connections:
            connection.close()
    latencies.sort()
    return Figures(
        stalled=stalled, seconds=seconds, served=len(latencies), failed=failed,
        p50_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
        p99_ms=latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else float("nan"),
        closed=len(closed_at), closed_after_s=statistics.median(closed_at.values()) if closed_at else 0.0,
    )


def _stall(port: int, count: int, body: bytes) -> list[socket.socket]:
    head = (b"POST /v1/screenings HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    connections = []
    for number in range(count):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHo" if number % 2 else head + body[:10])
        connections.append(connection)
    return connections


def _probe(port: int, body: bytes) -> float | None:
    """Seconds for one screening on a new connection, or None when it failed or timed out."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("POST", "/v1/screenings", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return time.monotonic() - started if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()
