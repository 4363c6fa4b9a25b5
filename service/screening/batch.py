"""POST /v1/screenings/batch: the envelope of a batch, and one result per item, judged alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import BatchTooLarge, InvalidAnswers, InvalidBatch

# Room per item in a batch body: a full answer set, pretty-printed, is well under 1 KiB.
BODY_BYTES_PER_ITEM = 2048


def items_of(payload: Any, limit: int, condition: str = "") -> list[Any]:
    """The items of a `{"items": [...]}` body, or the problem that keeps us from judging them."""
    if not isinstance(payload, Mapping):
        raise InvalidBatch('The body must be a JSON object: {"items": [answers, ...]}.',
                           {"_body": ["Expected a JSON object with an items array."]})
    errors = {str(key): ["Unknown field."] for key in payload if key != "items"}
    items = payload.get("items")
    if "items" not in payload:
        errors["items"] = ["Missing data for required field."]
    elif not isinstance(items, list):
        errors["items"] = ["Expected an array of answer objects."]
    if errors:
        raise InvalidBatch(f'The body must be {{"items": [answers, ...]}}; wrong: {", ".join(errors)}.', errors)
    assert isinstance(items, list)
    if len(items) > limit:
        raise BatchTooLarge(f"The batch has {len(items)} items; at most {limit} are accepted in one "
                            f"request{condition}. Split it into smaller batches.",
                            {"items": [f"At most {limit} items are accepted in one request{condition}."]})
    return items


def result(index: int, item: Any, screen: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One item's screening, or its problem details: a bad item never fails the others."""
    try:
        return {"index": index, "ok": True, "screening": screen(item)}
    except InvalidAnswers as error:
        return {"index": index, "ok": False, "problem": error.document()}
