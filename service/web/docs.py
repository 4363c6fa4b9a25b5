"""GET /docs: openapi.yaml rendered by Swagger UI, from the files bundled in swagger-ui-py.

Nothing is loaded from another origin: the page, its scripts and styles, and the spec all
come from this server, and the Content-Security-Policy says so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import mimetypes
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, Response, abort, current_app, request

from .. import shipped

SPEC_PATH = shipped.path("service.web", "openapi.yaml")
# The bundle's files the page uses, and nothing else from the package's directory.
SWAGGER_ASSETS = frozenset({
    "swagger-ui.css", "index.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png",
})
# Swagger UI uses data: images in its CSS; its inline styles are set through the DOM, which CSP allows.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hip IR drill screening API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="stylesheet" href="docs/index.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"""

# Relative URLs keep the page working behind a path prefix; validatorUrl null stops the
# badge that would call validator.swagger.io.
INIT_SCRIPT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""

bp = Blueprint("docs", __name__)


def swagger_ui_dir() -> Path:
    """The static files of the installed swagger-ui-py, found without importing the package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed; it is a dependency in pyproject.toml")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _page(body: str | bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/docs")
def docs() -> Response:
    """The API reference, rendered by Swagger UI."""
    return _page(PAGE, "text/html")


@bp.get("/docs/<asset>")
def docs_asset(asset: str) -> Response:
    """A file of the docs page."""
    if asset == "init.js":
        return _page(INIT_SCRIPT, "text/javascript")
    assets: dict[str, tuple[bytes, str, str]] = current_app.extensions["docs"]["assets"]
    if asset not in assets:
        abort(404)
    body, mimetype, etag = assets[asset]
    response = Response(body, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.set_etag(etag)
    response.make_conditional(request)  # a 304 for a browser whose copy is current
    return response


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    """The OpenAPI document as written."""
    return Response(current_app.extensions["docs"]["yaml"], mimetype="application/yaml")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The same OpenAPI document as JSON."""
    return Response(current_app.extensions["docs"]["json"], mimetype="application/json")


def init_app(app: Flask) -> None:
    text = SPEC_PATH.read_text(encoding="utf-8")
    spec: Any = yaml.safe_load(text)
    # Read once: a few files that never change while the process runs, and no file handle
    # is left for a client that never closes its response.
    directory = swagger_ui_dir()
    assets = {}
    for name in SWAGGER_ASSETS:
        body = (directory / name).read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        assets[name] = (body, mimetype, hashlib.sha256(body).hexdigest()[:32])
    app.extensions["docs"] = {"assets": assets, "yaml": text, "json": json.dumps(spec)}
    app.register_blueprint(bp)
