"""The app behind a real HTTP server on loopback, with each request's time and queries recorded.

The server is werkzeug's `make_server` (single-threaded, so requests are handled one at a
time, as the measurements send them) in a thread of the benchmark process. A WSGI wrapper
times each request from the moment the server hands it to the app until the last byte of
the response body is produced and the app's teardown has run, in wall-clock time and in
the server thread's CPU time (which includes SQLite's work but not PostgreSQL's); a SQLAlchemy
`before_cursor_execute` listener on the app's engine counts the queries of that request
and keeps their text and parameters, so the bare SQL can be replayed beside it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.serving import make_server

from diary.extensions import db


@dataclass
class Statement:
    """One statement sent to the database, as the driver received it."""

    sql: str
    parameters: Any
    many: bool

    @property
    def is_begin(self) -> bool:
        """A BEGIN (or BEGIN IMMEDIATE) that opens a transaction."""
        return self.sql.lstrip().upper().startswith("BEGIN")


@dataclass
class RequestRecord:
    """What the server saw of one request."""

    method: str
    path: str
    status: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the server thread: what other work on the machine cannot inflate
    body_bytes: int = 0
    statements: list[Statement] = field(default_factory=list)

    @property
    def queries(self) -> int:
        """Statements sent to the database while answering, transaction control aside.

        SQLite's BEGIN goes through the cursor (diary/database.py issues it), PostgreSQL's
        does not; leaving it out makes the two counts comparable.
        """
        return sum(1 for s in self.statements if not s.is_begin)


class Recorder:
    """WSGI wrapper: one RequestRecord per request, in order."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.records: list[RequestRecord] = []
        self._current = threading.local()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        record = getattr(self._current, "record", None)
        if record is not None:
            record.statements.append(Statement(statement, parameters, executemany))

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        record = RequestRecord(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        self._current.record = record

        def recording_start_response(status, headers, exc_info=None):
            record.status = status
            return start_response(status, headers, exc_info)

        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            body = self.app(environ, recording_start_response)
            try:
                chunks = list(body)
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()  # the app context's teardown: the session goes back to the pool
        finally:
            record.seconds = time.perf_counter() - started
            record.cpu_seconds = time.thread_time() - started_cpu
            self._current.record = None
        record.body_bytes = sum(len(c) for c in chunks)
        self.records.append(record)
        return chunks


class LoopbackServer:
    """The recorded app served on 127.0.0.1 at a free port, from a background thread."""

    def __init__(self, app: Flask) -> None:
        self.recorder = Recorder(app)
        # The request log line per request would drown the report.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server("127.0.0.1", 0, self.recorder, threaded=False)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def last(self) -> RequestRecord:
        """The record of the request answered last."""
        return self.recorder.records[-1]
