"""Shape checks of rule files against the JSON Schemas published in `rules/schema/`.

The same schemas serve editors (each rule file names its schema on line 1), so a key,
type or code list is written once; the loader keeps the checks a schema cannot express.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from referencing import Registry, Resource

from .model import RulebookError

SCHEMA_DIR = "schema"
INDEX, QUESTIONNAIRE, CATALOGUE, RULE_FILE = "rulebook.json", "questionnaire.json", "catalogue.json", "rules.json"
SCHEMAS = (INDEX, QUESTIONNAIRE, CATALOGUE, RULE_FILE)
# The key that names a list item in messages, so they say which rule, not only its index.
ITEM_NAMES = {"rules": "id", "questions": "id", "examples": "name"}
# JSON Schema's type names, in words (keywords, so question type names stay in questions.py alone).
TYPE_WORDS = dict(
    object="a mapping", array="a list", string="text", boolean="true or false",
    integer="a whole number", number="a number", null="null",
)


def validators(rules_dir: Path) -> dict[str, Draft202012Validator]:
    """One checked validator per schema in `rules_dir/schema`, resolving refs between them."""
    contents = {name: _read_schema(rules_dir / SCHEMA_DIR / name) for name in SCHEMAS}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema)) for name, schema in contents.items()
    )
    return {name: Draft202012Validator(schema, registry=registry) for name, schema in contents.items()}


def check(validator: Draft202012Validator, data: Any, file: str) -> None:
    """Raise RulebookError for the most relevant way `data` breaks its schema, naming file and place."""
    error = best_match(validator.iter_errors(data))
    if error is not None:
        raise RulebookError(f"{file}: {_place(error, data)}{describe(error)}")


def _read_schema(path: Path) -> Any:
    where = f"{SCHEMA_DIR}/{path.name}"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
    except OSError as error:
        raise RulebookError(f"{where}: cannot be read from {path.parent.parent} ({error.strerror})") from error
    except json.JSONDecodeError as error:
        raise RulebookError(f"{where}: not valid JSON: {error}") from error
    except SchemaError as error:
        raise RulebookError(f"{where}: not a valid JSON Schema: {error.message}") from error
    return schema


def _place(error: ValidationError, data: Any) -> str:
    path = list(error.absolute_path)
    parts: list[str] = []
    if len(path) >= 2 and path[0] in ITEM_NAMES and isinstance(path[1], int):
        item = data[path[0]][path[1]]
        label = item.get(ITEM_NAMES[path[0]]) if isinstance(item, Mapping) else None
        parts.append(f"{path[0]}[{path[1]}]" + (f" ({ITEM_NAMES[path[0]]} {label})" if label else ""))
        path = path[2:]
    if path:
        parts.append(_dotted(path))
    return "".join(f"{part}: " for part in parts)


def _dotted(path: Sequence[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def describe(error: ValidationError) -> str:
    """A short message for one schema error, in the words of the rule files rather than of JSON Schema."""
    # validator_value and instance are only Unset on errors built by hand, never by iter_errors.
    kind, expected, instance = error.validator, cast(Any, error.validator_value), cast(Any, error.instance)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "additionalProperties":
        unknown = sorted(str(key) for key in instance if key not in schema.get("properties", {}))
        return f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
    if kind == "required":
        missing = [key for key in expected if key not in instance]
        # A conditional requirement (if/then) says why in its description; a plain one needs no why.
        why = schema.get("description") if "then" in error.schema_path else None
        return f"missing required key {', '.join(map(repr, missing))}" + (f" ({why})" if why else "")
    if kind == "enum":
        return f"{instance!r} is not one of {', '.join(map(str, expected))}"
    if kind == "type":
        words = [TYPE_WORDS.get(name, name) for name in ([expected] if isinstance(expected, str) else expected)]
        return f"must be {' or '.join(words)}, not {instance!r}"
    if kind in ("minItems", "minLength", "minProperties") and expected == 1:
        return "must not be empty"
    if kind == "pattern":
        return f"{instance!r} is not {schema.get('description', f'matching {expected}')}"
    return str(error.message)
