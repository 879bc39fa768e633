"""The WSGI entry point: the only module-level app."""

from diary.app import create_app

app = create_app()
