"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, rulebook
from .screening.preview import Previewer
from .screening.screener import Screener
from .web import api, auth, cors, docs, errors, form, intakes, limits, observability, ops, submissions


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then SERVICE_* environment variables, then test overrides."""
    app = Flask(__name__)
    config.load(app.config, test_config)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order
    logging.basicConfig(level=logging.INFO)

    book = rulebook.load(app.config["RULES_DIR"])
    screener = Screener(book, cache_max_classes=int(app.config["OUTCOME_CACHE_MAX_CLASSES"]))
    screener.check_examples()
    app.extensions["screening"] = screener
    app.extensions["preview"] = Previewer(screener)
    app.extensions["questionnaire"] = book.questionnaire_json()
    app.extensions["answer_fields"] = frozenset(question.id for question in book.questions)

    errors.register(app)
    # Hooks run in init_app order: a request id and clock first, preflights before any key is asked for, then quotas.
    observability.init_app(app)
    cors.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    intakes.init_app(app)
    submissions.init_app(app)
    docs.init_app(app)
    form.init_app(app)
    return app
