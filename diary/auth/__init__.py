"""Accounts: registration, email verification, login, logout, passwords."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from diary.auth import routes, second_factor_routes  # noqa: E402,F401  (routes attach themselves to bp)
