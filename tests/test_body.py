"""Request bodies: duplicate keys refused, UTF-8 only, charsets other than UTF-8 refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from test_api import assert_problem


def post(client: FlaskClient, path: str, body: bytes, content_type: str = "application/json") -> Any:
    return client.post(path, data=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("path", ["/v1/screenings", "/v1/screenings/preview"])
def test_a_key_sent_twice_is_refused_by_name(client: FlaskClient, answers: dict[str, Any], path: str) -> None:
    """Finding 5 of issue 15: the last of two hip_pinch keys won silently."""
    text = json.dumps(answers)[:-1] + ', "hip_pinch": true, "hip_pinch": false}'
    problem = assert_problem(post(client, path, text.encode()), 400)
    assert problem["title"] == "Duplicate key" and "'hip_pinch'" in problem["detail"]
    assert problem["errors"] == {"hip_pinch": ["Duplicate key."]}


def test_a_key_sent_twice_inside_a_batch_item_is_refused(client: FlaskClient, answers: dict[str, Any]) -> None:
    item = json.dumps(answers)[:-1] + ', "sex": "female"}'
    response = post(client, "/v1/screenings/batch", f'{{"items": [{json.dumps(answers)}, {item}]}}'.encode())
    assert "'sex'" in assert_problem(response, 400)["detail"]


def test_the_same_key_in_different_objects_is_fine(client: FlaskClient, answers: dict[str, Any]) -> None:
    response = post(client, "/v1/screenings/batch", json.dumps({"items": [answers, answers]}).encode())
    assert response.status_code == 200


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "us-ascii"])
def test_a_charset_other_than_utf8_is_415(client: FlaskClient, answers: dict[str, Any], charset: str) -> None:
    """Finding 6 of issue 15: charset=latin-1 was ignored."""
    response = post(client, "/v1/screenings", json.dumps(answers).encode(), f"application/json; charset={charset}")
    assert f"charset={charset}" in assert_problem(response, 415)["detail"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_utf8_may_be_named(client: FlaskClient, answers: dict[str, Any], charset: str) -> None:
    response = post(client, "/v1/screenings", json.dumps(answers).encode(), f"application/json; charset={charset}")
    assert response.status_code == 200


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_body_in_another_encoding_is_400(client: FlaskClient, answers: dict[str, Any], encoding: str) -> None:
    """Finding 6 of issue 15: a UTF-16 body was accepted."""
    response = post(client, "/v1/screenings", json.dumps(answers).encode(encoding))
    assert assert_problem(response, 400)["title"] == "Malformed JSON"
