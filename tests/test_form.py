"""GET /form, /embed.js and /embed.css over HTTP: types, security headers, caching, packaging."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service import create_app

ROOT = Path(__file__).parent.parent
ASSETS = ROOT / "service" / "web" / "assets"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors *")


def test_the_form_page_is_self_contained_html_under_a_strict_policy(client: FlaskClient) -> None:
    response = client.get("/form")
    assert response.status_code == 200 and response.content_type == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and '<meta name="viewport"' in page
    assert "<div data-screening-form data-intake-from-url></div>" in page  # the intake, if any, from ?intake=
    # Relative links: the page works wherever the service is mounted, and loads nothing from elsewhere.
    assert re.findall(r'(?:src|href)="([^"]*)"', page) == ["embed.css", "embed.js"]


@pytest.mark.parametrize(("path", "content_type"), [
    ("/embed.js", "text/javascript; charset=utf-8"),
    ("/embed.css", "text/css; charset=utf-8"),
])
def test_the_embed_files_load_on_any_site_and_revalidate(client: FlaskClient, path: str, content_type: str) -> None:
    response = client.get(path, headers={"Origin": "https://gym.example"})
    assert response.status_code == 200 and response.content_type == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.head(path).headers["ETag"] == etag


@pytest.mark.parametrize("name", ["embed.js", "embed.css", "form.html"])
def test_the_form_requests_nothing_from_other_sites(name: str) -> None:
    text = (ASSETS / name).read_text()
    assert re.findall(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import", text, flags=re.IGNORECASE) == []


def test_framing_follows_the_allowed_origins() -> None:
    app = create_app({"TESTING": True, "CORS_ORIGINS": ["https://gym.example", "https://clinic.example"]})
    policy = app.test_client().get("/form").headers["Content-Security-Policy"]
    assert policy.endswith("; frame-ancestors 'self' https://clinic.example https://gym.example")


def test_the_form_is_read_only(client: FlaskClient) -> None:
    response = client.post("/form", data="x")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_every_asset_ships_in_the_package() -> None:
    # Read without tomllib, which Python 3.10 lacks.
    section = (ROOT / "pyproject.toml").read_text().split("[tool.setuptools.package-data]\n")[1].split("\n[")[0]
    patterns = re.findall(r'"([^"]+)"', re.search(r'^"service.web" = \[(.*?)\]', section, re.M | re.S)[1])
    files = [path.relative_to(ROOT / "service" / "web").as_posix() for path in ASSETS.iterdir()]
    assert files and [name for name in files if not any(fnmatch(name, p) for p in patterns)] == []
