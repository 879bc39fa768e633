"""The app served over real HTTP from a thread: for the browser tests, the screenshots and the
tests that send parallel or oversized requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from diary.extensions import db


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve the app from a thread on 127.0.0.1 and a free port; yields its base URL.

    On the way out the server stops and the app's database connections are closed.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
