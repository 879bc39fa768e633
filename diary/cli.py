"""Flask CLI commands (skeleton; `users create` comes with the accounts work)."""

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach the project's commands to the app."""
