"""Request bodies: JSON only, UTF-8 only, read within the size limit, every key named once."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import HTTPException

from ..errors import DuplicateKey, MalformedBody, MalformedJSON, UnsupportedMediaType
from ..screening.answers import parse_json_int

UTF8_NAMES = frozenset({"utf-8", "utf8"})


def json_body() -> Any:
    """The request's JSON document, or the problem that keeps us from reading it."""
    _check_media_type()
    raw = _read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedJSON(f"The body is not UTF-8 text: {error}") from error
    try:
        return json.loads(text, parse_int=parse_json_int, object_pairs_hook=_unique_keys)
    except RecursionError as error:
        raise MalformedJSON("The JSON document is nested too deeply.") from error
    except ValueError as error:
        raise MalformedJSON(f"The body is not valid JSON: {error}") from error


def _check_media_type() -> None:
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the answers as application/json, not {mimetype or 'a body without a Content-Type'}."
        )
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in UTF8_NAMES:
        raise UnsupportedMediaType(f"Send the JSON as UTF-8 (charset=utf-8 or no charset), not charset={charset}.")


def _read() -> bytes:
    try:
        raw = request.get_data(cache=False)  # a Content-Length over MAX_CONTENT_LENGTH raises 413 here
        if request.content_length is None:
            # A chunked body is cut at the limit without an error; reading once more past
            # the limit is what makes werkzeug raise 413 instead of parsing a truncated body.
            request.stream.read(1)
    except (HTTPException, MemoryError):
        raise
    except Exception as error:  # the server's own report of broken framing (gunicorn's ParseException, OSError)
        reason = str(error)[:200] or type(error).__name__
        raise MalformedBody(f"The body could not be read as sent: {reason}.", headers={"Connection": "close"}) from None
    return raw


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"The key {key!r} appears more than once in one JSON object; send it once.",
                                   {key: ["Duplicate key."]})
            seen.add(key)
    return document
