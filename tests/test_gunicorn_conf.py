"""The `make run` settings: each instance keeps to itself."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest
from conftest import gunicorn_server


def status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.slow
def test_instances_share_no_control_socket(tmp_path: Path) -> None:
    """Finding 9 of issue 15: every instance used ~/.gunicorn/gunicorn.ctl; a second took it over."""
    with gunicorn_server(tmp_path) as (first, _):
        with gunicorn_server(tmp_path) as (second, _):
            assert status(first, "/healthz") == status(second, "/healthz") == 200
        assert status(first, "/healthz") == 200
        sockets = [path for path in tmp_path.rglob("*") if path.is_socket()]
        assert sockets == []
