"""The application factory: settings, extensions, blueprints, CLI and error handlers.

Feature packages import nothing when they are imported (docs/architecture.md): a package's
blueprint lives in its `routes.py`, and this module is the one place that imports the routes
modules and registers their blueprints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from diary import PROJECT_ROOT, i18n, logging_filters, security
from diary import config as config_module
from diary.admin import routes as admin_routes
from diary.api import routes as api_routes
from diary.auth import deletion_routes, language_routes, second_factor_routes
from diary.auth import routes as auth_routes
from diary.auth.sessions import init_login
from diary.cli import register_cli
from diary.clinic import member_routes, report_routes
from diary.clinic import routes as clinic_routes
from diary.clinic import sharing_routes as clinic_sharing_routes
from diary.database import configure_engine, install_session_events
from diary.extensions import csrf, db, migrate
from diary.journal import routes as journal_routes
from diary.progress import routes as progress_routes
from diary.records import routes as records_routes
from diary.reminders import routes as reminders_routes
from diary.sharing import routes as sharing_routes
from diary.treatments import routes as treatments_routes
from diary.web import converters, errors

# Every blueprint, in registration order; the modules listed after a blueprint's own routes
# module add their routes to that same blueprint.
BLUEPRINTS = (
    errors.bp,
    auth_routes.bp,
    journal_routes.bp,
    treatments_routes.bp,
    progress_routes.bp,
    reminders_routes.bp,
    clinic_routes.bp,
    records_routes.bp,
    sharing_routes.bp,
    api_routes.bp,
    admin_routes.bp,
)
# Routes modules that attach to a blueprint defined in another routes module of their package.
ATTACHED_ROUTES = (
    second_factor_routes,
    deletion_routes,
    language_routes,
    member_routes,
    report_routes,
    clinic_sharing_routes,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI and error handlers."""
    app = Flask(
        "diary",
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
    converters.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    security.init_app(app)
    logging_filters.install()
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    """Bind the extensions and configure the database engine."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    init_login(app)
    with app.app_context():
        configure_engine(db.engine)
    install_session_events()
