"""The buffering worker: stalled clients hold no thread, broken chunked bodies get a 400, requests are framed."""

from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import gunicorn_server

from service.gunicorn_worker import chunked_end, request_end

STALLED = 200


def raw_exchange(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send `request` on a fresh connection and read until the server closes it or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass
        return received


def timed_get(port: int, path: str) -> float:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    finally:
        connection.close()
    return time.monotonic() - started


def stall(port: int, count: int, answers: dict[str, Any]) -> list[socket.socket]:
    """Half mid-headers, half mid-body, as a slowloris client leaves them."""
    body = json.dumps(answers).encode()
    head = (b"POST /v1/screenings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    connections = []
    for number in range(count):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHo" if number % 2 else head + body[:10])
        connections.append(connection)
    return connections


def closed_by_server(connection: socket.socket) -> bool:
    connection.settimeout(0.5)
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


@pytest.mark.slow
def test_stalled_clients_starve_nobody_and_are_closed(tmp_path: Path, answers: dict[str, Any]) -> None:
    """Finding 1 of issue 15: about 8 half-sent requests stopped all service."""
    with gunicorn_server(tmp_path, GUNICORN_READ_TIMEOUT="4") as (port, log_path):
        stalled = stall(port, STALLED, answers)
        started = time.monotonic()
        latencies = sorted(timed_get(port, "/healthz") for _ in range(30))
        assert latencies[-1] < 1.0, latencies
        time.sleep(max(0.0, started + 6 - time.monotonic()))
        assert sum(closed_by_server(connection) for connection in stalled) == STALLED
        for connection in stalled:
            connection.close()
        assert timed_get(port, "/healthz") < 1.0
    assert "sent part of a request but not all of it within 4 s" in log_path.read_text()


@pytest.mark.slow
def test_a_malformed_chunked_body_is_400_without_a_traceback(tmp_path: Path) -> None:
    """Finding 3 of issue 15: an invalid chunk size was a 500 and 2.5 KB of traceback."""
    with gunicorn_server(tmp_path) as (port, log_path):
        for body in [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcdef\r\n0\r\n\r\n", b"-1\r\n{}\r\n0\r\n\r\n"]:
            reply = raw_exchange(port, b"POST /v1/screenings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json"
                                       b"\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
            status_line, _, rest = reply.partition(b"\r\n")
            assert status_line.startswith(b"HTTP/1.1 400"), reply
            if b"application/problem+json" in rest:
                assert b'"status": 400' in rest
        good = raw_exchange(port, b"POST /v1/screenings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        assert good.startswith(b"HTTP/1.1 422"), good
    log = log_path.read_text()
    assert "Traceback" not in log and '"status": 500' not in log


@pytest.mark.slow
def test_expect_continue_and_kept_alive_connections_still_work(tmp_path: Path, answers: dict[str, Any]) -> None:
    body = json.dumps({"items": [answers] * 3}).encode()
    with gunicorn_server(tmp_path) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"POST /v1/screenings/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                               b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            assert connection.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
            connection.sendall(body)
            reply = connection.recv(65536)
            assert reply.startswith(b"HTTP/1.1 200") and b"100 Continue" not in reply
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(3):
            kept.request("POST", "/v1/screenings", body=json.dumps(answers),
                         headers={"Content-Type": "application/json"})
            response = kept.getresponse()
            assert response.status == 200 and response.read()
        kept.close()


HEAD = b"POST / HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize(
    ("data", "end"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27),
        (b"GET / HTTP/1.1\r\nHo", None),
        (HEAD + b"Content-Length: 4\r\n\r\n{}", None),
        (HEAD + b"Content-Length: 4\r\n\r\n{}{}GET", 51),
        (HEAD + b"content-length:4\r\n\r\n{}{}", 50),
        (HEAD + b"Content-Length: 4\r\nContent-Length: 5\r\n\r\n{}{}", -1),
        (HEAD + b"Content-Length: x\r\n\r\n{}{}", -1),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 68),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n", None),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n", 82),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", -1),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", -1),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc", None),
    ],
)
def test_the_end_of_a_request_is_found_or_left_to_the_parser(data: bytes, end: int | None) -> None:
    assert request_end(data) == end


def test_an_endless_header_or_chunk_line_is_left_to_the_parser() -> None:
    assert request_end(b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000) == -1
    assert chunked_end(b"f" * 2000, 0) == -1
