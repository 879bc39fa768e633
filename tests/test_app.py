"""The application factory and its settings."""

import os
import stat

from diary.app import create_app


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(config)
    second = create_app(config)
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_login_page_is_served(client):
    response = client.get("/login")
    assert response.status_code == 200


def test_each_url_prefix_belongs_to_one_package(app):
    """Every URL under one first path segment (/clinic, /export, /account...) is served by
    views of one feature package (docs/architecture.md, URL prefix -> package)."""
    packages_by_prefix: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        prefix = "/" + rule.rule.lstrip("/").split("/", 1)[0]
        module = app.view_functions[rule.endpoint].__module__
        packages_by_prefix.setdefault(prefix, set()).add(module.rsplit(".", 1)[0])
    split = {prefix: sorted(p) for prefix, p in packages_by_prefix.items() if len(p) > 1}
    assert split == {}
    assert packages_by_prefix["/clinic"] == {"diary.clinic"}
    assert packages_by_prefix["/export"] == {"diary.records"}
    assert packages_by_prefix["/account"] == {"diary.auth"}
