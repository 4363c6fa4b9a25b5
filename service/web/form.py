"""The intake form: GET /form (a page of its own) and GET /embed.js (the same form on any site).

The form is built in the browser from GET /v1/questionnaire, so a question added to rules/
shows up without a change here, and asks only what POST /v1/screenings/preview says still
matters. The files live in service/web/assets/ and ship as package data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from flask import Blueprint, Flask, Response, current_app, request

from .cors import policy

ASSET_TYPES = {
    "form.html": "text/html; charset=utf-8",
    "embed.js": "text/javascript; charset=utf-8",  # RFC 9239
    "embed.css": "text/css; charset=utf-8",
}
# Other sites load embed.js and embed.css: cache them briefly, then revalidate by ETag.
EMBED_CACHE = "public, max-age=300"

bp = Blueprint("form", __name__)


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def load_assets() -> dict[str, Asset]:
    """Read the form's files once; importlib.resources finds them in an installed wheel too."""
    folder = resources.files(__package__) / "assets"
    assets = {}
    for name, content_type in ASSET_TYPES.items():
        body = (folder / name).read_bytes()
        assets[name] = Asset(body, content_type, hashlib.sha256(body).hexdigest()[:20])
    return assets


def init_app(app: Flask) -> None:
    app.extensions["form_assets"] = load_assets()
    app.register_blueprint(bp)


def content_security_policy() -> str:
    """Only this origin's script, styles and API; framing as CORS_ORIGINS allows."""
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {policy().frame_ancestors()}",
    ])


def serve(name: str, cache_control: str) -> Response:
    asset: Asset = current_app.extensions["form_assets"][name]
    response = Response(asset.body, content_type=asset.content_type)
    response.set_etag(asset.etag)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.make_conditional(request)  # 304 when the browser's copy is current
    return response


@bp.get("/form")
def form_page() -> Response:
    """The intake form as a standalone page."""
    response = serve("form.html", "no-cache")
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/embed.js")
def embed_script() -> Response:
    """The script that renders the form into any page."""
    response = serve("embed.js", EMBED_CACHE)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed.css")
def embed_styles() -> Response:
    """The form's styles, loaded into each form's shadow root."""
    response = serve("embed.css", EMBED_CACHE)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
