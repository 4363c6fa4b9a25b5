"""openapi.yaml agrees with the questionnaire, and real responses validate against it."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import as_org
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from test_answer_space import payloads

from service import create_app, rulebook
from service.errors import InvalidAnswers
from service.screening.answers import REQUIRED
from service.screening.preview import Previewer
from service.screening.screener import Screener

SPEC_TEXT = (Path(__file__).parent.parent / "openapi.yaml").read_text()


class StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; client generators refuse the file."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = sorted({str(key) for key in keys if keys.count(key) > 1})
        if duplicates:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key(s) {duplicates}", node.start_mark)
        return super().construct_mapping(node, deep)


SPEC: dict[str, Any] = yaml.load(SPEC_TEXT, Loader=StrictLoader)  # a SafeLoader that refuses duplicate keys
SCHEMAS = SPEC["components"]["schemas"]
BOOK = rulebook.load()
MOVING = [question.id for question in BOOK.questions if question.asks_to_move]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    return SCHEMAS[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref, "components": SPEC["components"]})


def assert_valid(instance: Any, ref: str) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(ref).iter_errors(instance)]
    assert errors == []


def test_the_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def test_the_loader_rejects_duplicate_keys() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key"):
        yaml.load("a:\n  b: 1\na:\n  c: 2\n", Loader=StrictLoader)


def test_every_reference_names_a_whole_component_that_exists() -> None:
    """No $ref into another schema's properties: generators resolve named components only."""

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [ref for value in node.values() for ref in refs(value)]
        return [ref for value in node for ref in refs(value)] if isinstance(node, list) else []

    found = refs(SPEC)
    assert found
    for ref in found:
        match = re.fullmatch(r"#/components/(\w+)/(\w+)", ref)
        assert match, ref
        assert match.group(2) in SPEC["components"][match.group(1)], ref


def test_answers_schema_matches_the_questionnaire() -> None:
    answers = SCHEMAS["Answers"]
    assert list(answers["properties"]) == [q.id for q in BOOK.questions]
    # A required question with a show_if is required only when shown (the service checks that).
    assert answers["required"] == [q.id for q in BOOK.questions if q.required and not q.show_if]
    assert answers["additionalProperties"] is False
    for question in BOOK.questions:
        prop = resolve(answers["properties"][question.id])
        options = [option.value for option in question.options]
        if question.type == "single_choice":
            assert (prop["type"], prop["enum"]) == ("string", options), question.id
        elif question.type == "multi_choice":
            assert (prop["type"], prop["items"]["enum"], prop["uniqueItems"]) == ("array", options, True)
        elif question.type == "integer":
            expected_type = ["integer", "null"] if question.nullable else "integer"
            assert (prop["type"], prop["minimum"], prop["maximum"]) == (expected_type, question.minimum,
                                                                        question.maximum), question.id
        else:
            assert prop["type"] == "boolean", question.id
        if not question.required:
            assert prop["default"] == question.default, question.id


def test_intake_answers_are_the_answers_with_the_movement_questions_optional() -> None:
    intake, answers = SCHEMAS["IntakeAnswers"], SCHEMAS["Answers"]
    assert intake["required"] == [name for name in answers["required"] if name not in MOVING]
    assert MOVING and set(MOVING) & set(answers["required"])
    alike = [key for key in answers if key not in ("required", "description")]
    assert {key: intake[key] for key in alike} == {key: answers[key] for key in alike}
    assert set(intake) == set(answers)
    assert SCHEMAS["NewSubmission"]["properties"]["answers"] == {"$ref": "#/components/schemas/IntakeAnswers"}


def test_intake_answers_refuse_nothing_an_intake_takes_and_allow_only_missing_movement_answers() -> None:
    """A submission valid against IntakeAnswers is refused only when it leaves out a movement answer that counts."""
    previewer = Previewer(Screener(BOOK))
    schema = validator("#/components/schemas/IntakeAnswers")
    seen: Counter[tuple[bool, bool]] = Counter()
    for payload in payloads(40, seed=23):
        unmoved = {name: answer for name, answer in payload.items() if name not in MOVING}
        for variant in [payload, unmoved, *single_answer_changes(payload)]:
            errors: dict[str, list[str]] = {}
            try:
                previewer.screen_intake(variant)
            except InvalidAnswers as error:
                errors = dict(error.errors or {"_body": []})
            valid = schema.is_valid(variant)
            assert valid or errors, variant
            assert not valid or not errors or all(name in MOVING and messages == [REQUIRED]
                                                  for name, messages in errors.items()), (variant, errors)
            seen[valid, not errors] += 1
    assert seen[True, True] and seen[True, False] and seen[False, False], seen


def request_examples() -> list[Any]:
    """(method, path, example name, schema, value) of every request body example in the spec."""
    found = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            examples = {name: example["value"] for name, example in content.get("examples", {}).items()}
            if "example" in content:
                examples["example"] = content["example"]
            found += [pytest.param(method, path, name, content["schema"], value, id=f"{method} {path} {name}")
                      for name, value in examples.items()]
    return found


@pytest.mark.parametrize(("method", "path", "name", "schema", "value"), request_examples())
def test_every_request_example_is_valid_and_the_service_takes_it(
        db_client: FlaskClient, method: str, path: str, name: str, schema: dict[str, Any], value: Any) -> None:
    errors = [error.message for error in Draft202012Validator({**schema, "components": SPEC["components"]})
              .iter_errors(value)]
    assert errors == [], name
    intake = db_client.post("/v1/intakes", json={"title": "Examples", "retention_days": 30}, headers=as_org("acme"))
    url = path.replace("{intake_id}", intake.json["id"])
    response = db_client.open(url, method=method.upper(), json=value, headers=as_org("acme"))
    assert 200 <= response.status_code < 300, (name, response.json)


def test_response_codes_match_the_rulebook() -> None:
    screening = SCHEMAS["Screening"]["properties"]
    assert tuple(SCHEMAS["Decision"]["enum"]) == rulebook.DECISIONS
    assert tuple(SCHEMAS["VariantCode"]["enum"]) == rulebook.VARIANTS
    assert tuple(screening["timing"]["items"]["properties"]["code"]["enum"]) == rulebook.TIMINGS
    assert screening["cautions"]["items"]["properties"]["code"]["enum"] == list(BOOK.cautions)
    assert screening["preparation"]["items"]["properties"]["code"]["enum"] == list(BOOK.preparation)


def test_spec_examples_are_valid_and_true(client: FlaskClient) -> None:
    post = SPEC["paths"]["/v1/screenings"]["post"]
    for name, example in post["requestBody"]["content"]["application/json"]["examples"].items():
        assert_valid(example["value"], "#/components/schemas/Answers")
        response = post["responses"]["200"]["content"]["application/json"]["examples"].get(name)
        if response:
            assert_valid(response["value"], "#/components/schemas/Screening")
            actual = client.post("/v1/screenings", json=example["value"]).get_json()
            assert actual["decision"] == response["value"]["decision"]
            assert actual["variant"] == response["value"]["variant"]
            assert actual["timing"] == response["value"]["timing"]
            assert actual["cautions"] == response["value"]["cautions"]


@pytest.mark.parametrize("example", BOOK.examples, ids=lambda e: f"{e.file}:{e.name}")
def test_real_screenings_validate(client: FlaskClient, example: rulebook.Example) -> None:
    assert_valid(example.answers, "#/components/schemas/Answers")
    response = client.post("/v1/screenings", json=example.answers)
    assert response.status_code == 200
    assert_valid(response.get_json(), "#/components/schemas/Screening")


def test_real_questionnaire_validates(client: FlaskClient) -> None:
    assert_valid(client.get("/v1/questionnaire").get_json(), "#/components/schemas/Questionnaire")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "ref"),
    [
        ("post", "/v1/screenings", {"json": {"sex": 3}}, 422, "#/components/schemas/ValidationProblem"),
        ("post", "/v1/screenings", {"data": "{", "content_type": "application/json"}, 400,
         "#/components/schemas/Problem"),
        ("post", "/v1/screenings", {"data": "x", "content_type": "text/plain"}, 415, "#/components/schemas/Problem"),
        ("get", "/v1/screenings", {}, 405, "#/components/schemas/Problem"),
        ("get", "/nowhere", {}, 404, "#/components/schemas/Problem"),
    ],
)
def test_real_errors_validate(client: FlaskClient, method: str, path: str, kwargs: dict[str, Any], status: int,
                              ref: str) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert_valid(response.get_json(force=True), ref)


def test_every_route_is_documented(client: FlaskClient) -> None:
    documented = {path for path in SPEC["paths"]}
    served = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # werkzeug's <asset> is OpenAPI's {asset}
              for rule in client.application.url_map.iter_rules() if rule.endpoint != "static"}
    assert served <= documented, f"undocumented routes: {sorted(served - documented)}"
    for path, operations in SPEC["paths"].items():
        for method in operations:
            assert client.application.url_map.bind("localhost").test(path, method.upper()), (method, path)


def test_the_batch_example_is_valid_and_true(client: FlaskClient) -> None:
    post = SPEC["paths"]["/v1/screenings/batch"]["post"]
    request = post["requestBody"]["content"]["application/json"]["examples"]["one_bad_item"]["value"]
    example = post["responses"]["200"]["content"]["application/json"]["example"]
    assert_valid(request, "#/components/schemas/BatchRequest")
    assert_valid(example, "#/components/schemas/BatchResult")
    actual = client.post("/v1/screenings/batch", json=request).get_json()

    def comparable(body: dict[str, Any]) -> list[Any]:
        return [{**item, "screening": {**item["screening"], "id": None, "rules_version": None}} if item["ok"] else item
                for item in body["results"]]

    assert comparable(actual) == comparable(example)


@pytest.mark.parametrize(
    ("body", "status", "ref"),
    [
        ({"items": [{"sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True}, {"sex": 3}, []]}, 200,
         "#/components/schemas/BatchResult"),
        ({"items": [{}] * 1001}, 422, "#/components/schemas/ValidationProblem"),
        ({"items": "all of them"}, 422, "#/components/schemas/ValidationProblem"),
        ([], 422, "#/components/schemas/ValidationProblem"),
    ],
)
def test_real_batch_responses_validate(client: FlaskClient, body: Any, status: int, ref: str) -> None:
    response = client.post("/v1/screenings/batch", json=body)
    assert response.status_code == status
    assert str(status) in SPEC["paths"]["/v1/screenings/batch"]["post"]["responses"]
    assert_valid(response.get_json(force=True), ref)


def test_real_401_and_429_validate_and_carry_their_headers(answers: dict[str, Any]) -> None:
    spec_responses = SPEC["components"]["responses"]
    client = create_app({"TESTING": True, "API_KEYS": "coach:coach-key-5b1f0e7c9a2d4e6f", "ANON_RATE_LIMIT": "1/hour",
                         "ACCESS_LOG": False}).test_client()
    unauthorized = client.post("/v1/screenings", json=answers, headers={"Authorization": "Bearer wrong-key-00000000"})
    assert unauthorized.status_code == 401 and unauthorized.headers["WWW-Authenticate"]
    assert_valid(unauthorized.get_json(force=True), "#/components/schemas/Problem")
    assert "WWW-Authenticate" in spec_responses["Unauthorized"]["headers"]
    client.post("/v1/screenings", json=answers)
    limited = client.post("/v1/screenings/batch", json={"items": [answers]})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert_valid(limited.get_json(force=True), "#/components/schemas/Problem")
    assert "Retry-After" in spec_responses["TooManyRequests"]["headers"]
    for operation in (SPEC["paths"]["/v1/screenings"]["post"], SPEC["paths"]["/v1/screenings/batch"]["post"]):
        assert {"401", "429"} <= set(operation["responses"])
        assert {"apiKey": []} in operation["security"]


MISSING = object()


def single_answer_changes(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload with one question changed: left out, null, or set to a few of its valid values."""
    changed = []
    for question in BOOK.questions:
        values = question.kind.values(question)
        for value in (MISSING, None, values[0], values[1], values[-1]):
            variant = {name: answer for name, answer in payload.items() if name != question.id}
            if value is not MISSING:
                variant[question.id] = value
            changed.append(variant)
    return changed


def server_accepts(screener: Any, payload: dict[str, Any], partial: bool) -> bool:
    try:
        screener.load(payload, partial=partial)
    except InvalidAnswers:
        return False
    return True


@pytest.mark.parametrize(("ref", "partial"), [("#/components/schemas/Answers", False),
                                              ("#/components/schemas/PartialAnswers", True)])
def test_the_spec_accepts_exactly_the_answers_the_service_accepts(ref: str, partial: bool) -> None:
    """show_if written as JSON Schema (refused when hidden, required when shown) means what Rulebook.shown means."""
    screener = Screener(BOOK, cache_max_classes=0)
    schema = validator(ref)
    checked = 0
    for payload in payloads(100, seed=17):
        for variant in [payload, *single_answer_changes(payload)]:
            assert schema.is_valid(variant) == server_accepts(screener, variant, partial), variant
            checked += 1
    assert checked > 5_000
