"""The CHECK constraints the migrations create say what the models say.

Autogenerate does not compare CHECK constraints, so a model whose CHECK was changed without a
migration (or the other way round) would pass `flask db check`. SQLite keeps each
constraint's original text, so the migrated schema can be compared with the models word
for word.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from diary.extensions import db


def normalised(text: str) -> str:
    """SQL text without the differences that do not matter: spacing, quotes, parentheses."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    text = text.replace('"', "")
    text = re.sub(r"\b[a-z_]+\.(?=[a-z_])", "", text)  # "users.active" -> "active"
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def model_checks() -> dict[str, str]:
    """Every named CHECK constraint of the models and its SQL text."""
    checks = {}
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, sa.CheckConstraint) and constraint.name:
                compiled = constraint.sqltext.compile(
                    dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
                )
                checks[str(constraint.name)] = normalised(str(compiled))
    return checks


def test_migrated_check_constraints_match_the_models(app, template_database):
    if template_database.kind != "sqlite":
        pytest.skip("PostgreSQL rewrites CHECK text; SQLite keeps it verbatim")
    with app.app_context():
        expected = model_checks()
        inspector = sa.inspect(db.engine)
        found = {}
        for table in inspector.get_table_names():
            for check in inspector.get_check_constraints(table):
                found[check["name"]] = normalised(check["sqltext"])
    missing = {name for name in expected if name not in found}
    assert not missing, f"in the models but not in the migrated database: {sorted(missing)}"
    different = {
        name: (expected[name], found[name])
        for name in expected
        if expected[name] != found[name]
    }
    assert not different, f"CHECK text differs between models and migrations: {different}"
