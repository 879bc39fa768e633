"""Spasm Diary: a remission diary for hemifacial spasm, for patients and their surgeons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from diary import config as config_module
from diary import web

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI and error handlers."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    if test_config and "INSTANCE_PATH" in test_config:
        app.instance_path = test_config["INSTANCE_PATH"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_extensions(app)
    web.init_app(app)
    _register_blueprints(app)

    from diary import logging_filters, security
    from diary.cli import register_cli

    security.init_app(app)
    logging_filters.install()
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    """Bind the extensions and configure the database engine."""
    from diary.auth.sessions import init_login
    from diary.database import configure_engine
    from diary.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    init_login(app)
    with app.app_context():
        configure_engine(db.engine)


def _register_blueprints(app: Flask) -> None:
    """Register one blueprint per feature."""
    from diary.admin import bp as admin_bp
    from diary.api import bp as api_bp
    from diary.auth import bp as auth_bp
    from diary.clinic import bp as clinic_bp
    from diary.errors import bp as errors_bp
    from diary.journal import bp as journal_bp
    from diary.progress.routes import bp as progress_bp
    from diary.records import bp as records_bp
    from diary.reminders import bp as reminders_bp
    from diary.reminders import init_app as init_reminders
    from diary.reports import bp as reports_bp
    from diary.sharing import bp as sharing_bp
    from diary.treatments import bp as treatments_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(journal_bp)
    app.register_blueprint(treatments_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(clinic_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(sharing_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)
    init_reminders()
