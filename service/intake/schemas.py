"""What intake requests may carry, checked with marshmallow; every problem names its field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..errors import ConsentRequired, InvalidRequest
from ..rulebook import DECISIONS, URGENCIES
from ..rulebook.answer_fields import StrictBoolean, StrictInteger
from .query import DEFAULT_LIMIT, MAX_LIMIT, SubmissionQuery, decode_cursor
from .submissions import Athlete

MAX_RETENTION_DAYS = 3650
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as a header carries it
# Something besides spacing: the same pattern as openapi.yaml's, whose \s (ECMAScript) lacks
# \x1c-\x1f and \x85 and has \ufeff, so both spell out the difference and agree.
VISIBLE = re.compile(r"[^\s\x1c-\x1f\x85\ufeff]")


class _Text(fields.String):
    """A string with something in it besides spaces, trimmed."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = str(super()._deserialize(value, attr, data, **kwargs))
        if not VISIBLE.search(text):
            raise ValidationError("Must not be blank.")
        return text.strip()


def _title(required: bool = False) -> fields.Field[Any]:
    return _Text(required=required, validate=validate.Length(max=200))


def _retention(required: bool = False) -> fields.Field[Any]:
    return StrictInteger(required=required, validate=validate.Range(min=1, max=MAX_RETENTION_DAYS))


class NewIntakeSchema(Schema):
    class Meta:
        unknown = RAISE

    title = _title(required=True)
    retention_days = _retention(required=True)


class IntakeChangeSchema(Schema):
    class Meta:
        unknown = RAISE

    title = _title()
    retention_days = _retention()
    open = StrictBoolean()


class AthleteSchema(Schema):
    class Meta:
        unknown = RAISE

    name = _Text(required=True, validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    external_id = _Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


class SubmissionSchema(Schema):
    class Meta:
        unknown = RAISE

    answers = fields.Raw(required=True)  # checked by the Screener, exactly as POST /v1/screenings checks them
    athlete = fields.Nested(AthleteSchema, required=True)
    consent = fields.Raw(load_default=None)


def load(schema: Schema, payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise InvalidRequest(f"The body must be a JSON object of {what}.", {"_body": ["Expected a JSON object."]})
    try:
        return dict(schema.load(payload))
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, Mapping) else {"_body": error.messages}
        raise _invalid(messages) from error


# Built once: marshmallow schemas hold no state between loads.
NEW_INTAKE, INTAKE_CHANGE, SUBMISSION = NewIntakeSchema(), IntakeChangeSchema(), SubmissionSchema()


def new_intake(payload: Any) -> dict[str, Any]:
    return load(NEW_INTAKE, payload, "intake fields")


def intake_change(payload: Any) -> dict[str, Any]:
    return load(INTAKE_CHANGE, payload, "intake fields")


def submission(payload: Any) -> tuple[Athlete, Any]:
    """The athlete and the raw answers; consent must be `true`, whatever else is wrong."""
    errors: dict[str, Any] = {}
    loaded: dict[str, Any] = {}
    try:
        loaded = load(SUBMISSION, payload, "answers, athlete and consent")
    except InvalidRequest as error:
        if error.errors and "_body" in error.errors:
            raise
        errors = dict(error.errors or {})
    consent = payload.get("consent") if isinstance(payload, Mapping) else None
    if consent is not True:
        errors["consent"] = ["Consent is required: send \"consent\": true once the athlete has agreed."]
        if len(errors) == 1:
            raise ConsentRequired("The athlete's consent is required to store a submission.", errors)
    if errors:
        raise _invalid(errors)
    return Athlete(**loaded["athlete"]), loaded["answers"]


def idempotency_key(value: str | None) -> str | None:
    if value is not None and not IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidRequest("The Idempotency-Key header must be 1-255 visible ASCII characters.",
                             {"Idempotency-Key": ["1-255 visible ASCII characters."]})
    return value


def submission_query(args: Mapping[str, str]) -> SubmissionQuery:
    """The filters of GET /v1/submissions from its query string."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(args) - {"intake", "decision", "refer", "refer_urgency", "since", "limit", "cursor"})
    for name in unknown:
        errors[name] = ["Unknown parameter."]
    decision = args.get("decision")
    if decision is not None and decision not in DECISIONS:
        errors["decision"] = [f"Must be one of: {', '.join(DECISIONS)}."]
    refer_urgency = args.get("refer_urgency")
    if refer_urgency is not None and refer_urgency not in URGENCIES:
        errors["refer_urgency"] = [f"Must be one of: {', '.join(URGENCIES)}."]
    refer = {"true": True, "false": False, None: None}.get(args.get("refer"), "bad")
    if refer == "bad":
        errors["refer"] = ["Must be true or false."]
    since = _since(args.get("since"), errors)
    limit = DEFAULT_LIMIT
    text = args.get("limit")
    if text is not None:
        limit = int(text) if text.isdigit() and 1 <= int(text) <= MAX_LIMIT else 0
        if not limit:
            errors["limit"] = [f"Must be a whole number from 1 to {MAX_LIMIT}."]
    if errors:
        raise _invalid(errors)
    cursor = args.get("cursor")
    return SubmissionQuery(intake=args.get("intake"), decision=decision, refer=refer,  # type: ignore[arg-type]
                           refer_urgency=refer_urgency, since=since, limit=limit,
                           after_seq=None if cursor is None else decode_cursor(cursor))


def _since(text: str | None, errors: dict[str, list[str]]) -> dt.datetime | None:
    if text is None:
        return None
    try:
        since = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        since = None
    if since is None or since.tzinfo is None or len(text) < 20 or text[10] not in "Tt":
        errors["since"] = ["Must be an RFC 3339 date-time with its offset, such as 2026-04-01T00:00:00Z."]
        return None
    return since


def _invalid(messages: Mapping[str, Any]) -> InvalidRequest:
    flat = {name: value if isinstance(value, list) else [str(value)] for name, value in _flatten(messages)}
    return InvalidRequest(f"{len(flat)} field(s) are invalid: {', '.join(flat)}.", flat)


def _flatten(messages: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, value in messages.items():
        if isinstance(value, Mapping):
            out += _flatten(value, f"{prefix}{name}.")
        else:
            out.append((f"{prefix}{name}", value))
    return out
