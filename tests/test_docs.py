"""GET /docs loads Swagger UI from this server only; the spec is served as YAML and JSON."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import yaml
from flask.testing import FlaskClient

SPEC_FILE = Path(__file__).resolve().parent.parent / "openapi.yaml"


def test_the_docs_page_loads_with_everything_it_references(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"docs/swagger-ui-bundle.js", "docs/init.js", "docs/swagger-ui.css"} <= set(references)
    expected_types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for reference in references:
        assert not re.match(r"[a-z]+:|//", reference), f"{reference} is not on this server"
        with client.get(urljoin("/docs", reference)) as asset:
            assert asset.status_code == 200, reference
            assert asset.mimetype == expected_types[Path(reference).suffix], reference
            assert len(asset.data) > 0


def test_the_page_points_swagger_ui_at_our_spec_and_nowhere_else(client: FlaskClient) -> None:
    script = client.get("/docs/init.js").get_data(as_text=True)
    assert 'url: "openapi.json"' in script
    assert "validatorUrl: null" in script  # the validator badge would call validator.swagger.io
    assert urljoin("/docs", "openapi.json") == "/openapi.json"


def test_the_content_security_policy_allows_this_server_only(client: FlaskClient) -> None:
    policy = client.get("/docs").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert not re.search(r"https?:|\*", policy)


def test_only_the_pages_own_files_are_served(client: FlaskClient) -> None:
    for name in ["swagger-editor-bundle.js", "swagger-ui.js.map", "../__init__.py", "LICENSE", "%2e%2e%2fcore.py"]:
        with client.get(f"/docs/{name}") as response:
            assert response.status_code == 404, name


def test_the_spec_is_served_as_written_and_as_json(client: FlaskClient) -> None:
    as_yaml = client.get("/openapi.yaml")
    assert as_yaml.mimetype == "application/yaml"
    assert as_yaml.get_data(as_text=True) == SPEC_FILE.read_text(encoding="utf-8")
    as_json = client.get("/openapi.json")
    assert as_json.mimetype == "application/json"
    assert as_json.get_json() == yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
