"""What the benchmark measures, and how: one `Endpoint` entry per measured request.

To measure another page, add an entry to ENDPOINTS: the account that sends it (a key of
Dataset.accounts, "clinician" included), a function that builds the request for run i,
and its bars from docs/quality-bars.md (The bars). Login, warm-up, medians, query counts, the bare-SQL replay
and the report follow from the entry. The clinic list, once it exists, is an entry with
account "clinician", a GET of its path and max_ms=150; the cohort view the same with
max_ms=300 (docs/quality-bars.md, The bars).

Requests go through a real HTTP server on loopback (bench/server.py) with `requests`,
logged in through the real /login form, with CSRF on: a POST carries the token the form
pages hand out, as a browser's would.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
import requests
import sqlalchemy as sa

from bench.dataset import PASSWORD, Account
from bench.server import LoopbackServer, Statement
from diary.clock import local_today
from diary.models import CheckIn

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request: method, path, form data, and the status that means it worked."""

    method: str
    path: str
    data: dict[str, Any] | None = None
    expect: int = 200


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A measured request: who sends it, how run `i` is built, and its bars (None: reported only)."""

    key: str
    label: str
    account: str
    call: Callable[[Account, int], Call]
    max_ms: float | None = None
    max_kb: float | None = None
    body: str = "JSON"  # what max_kb measures, as the report names it
    # For a write: a statement that takes run i's write away again, so that the bare-SQL
    # replay (inside a transaction that is rolled back) finds the database as run i did.
    undo: Callable[[Account, int], sa.Executable] | None = None


def today_of(account: Account) -> date:
    """The account's local date now."""
    return local_today(account.timezone, datetime.now(UTC))


def whole_trajectory(account: Account, run: int) -> Call:
    """The patient's trajectory API, daily buckets, from the first diary day to today."""
    return Call(
        "GET",
        f"/api/v1/me/trajectory?bucket=day&from={account.first_day}&to={today_of(account)}",
    )


def new_check_in(account: Account, run: int) -> Call:
    """The check-in form filled in for the next empty day, with the optional detail too."""
    day = account.open_from + timedelta(days=run)
    data = {
        "day": day.isoformat(),
        "spasm_count": "4",
        "typical_duration_seconds": "2",
        "jrs_severity": "1",
        "jrs_frequency": "2",
        "regions": ["eye", "cheek"],
        "spasm_type": "clonic",
        "triggers": ["stress"],
        "trigger_other": "",
        "note": "",
    }
    return Call("POST", "/checkin", data, expect=302)


def remove_check_in(account: Account, run: int) -> sa.Executable:
    """Run `run`'s check-in deleted, so that replaying its INSERT finds the day empty."""
    return sa.delete(CheckIn.__table__).where(
        CheckIn.patient_id == account.user_id,
        CheckIn.day == account.open_from + timedelta(days=run),
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("trajectory_3m", "Trajectory API, 3 months, daily", "patient_3m", whole_trajectory),
    Endpoint("trajectory_1y", "Trajectory API, 1 year, daily", "patient_1y", whole_trajectory),
    Endpoint("trajectory_3y", "Trajectory API, 3 years, daily", "patient_3y", whole_trajectory,
             max_ms=20, max_kb=100),
    Endpoint("save_check_in", "Saving a check-in (form POST)", "checkin_patient", new_check_in,
             max_ms=10, undo=remove_check_in),
)
# The trajectory takes the same time for 3 months or 3 years of diary, within this factor.
TRAJECTORY_SCALING = ("trajectory_3y", "trajectory_3m", 2.0)
# Queries per page are a fixed number, whatever the length of the diary.
SAME_QUERY_COUNT = ("trajectory_3m", "trajectory_1y", "trajectory_3y")


@dataclass
class Result:
    """The medians of one endpoint."""

    endpoint: Endpoint
    server_ms: float
    cpu_ms: float
    round_trip_ms: float
    body_bytes: int
    query_counts: list[int]
    bare_sql_ms: float = 0.0
    runs: int = 0

    @property
    def queries(self) -> int:
        """The query count of a request (the same every run, or the report shows the range)."""
        return max(self.query_counts)

    @property
    def ratio(self) -> float | None:
        """Server time over the time of its bare SQL."""
        return self.server_ms / self.bare_sql_ms if self.bare_sql_ms else None


@dataclass
class Clients:
    """One logged-in HTTP session per account, opened through the real login form."""

    base_url: str
    accounts: dict[str, Account]
    sessions: dict[str, tuple[requests.Session, str]] = field(default_factory=dict)

    def session(self, key: str) -> tuple[requests.Session, str]:
        """The account's session and its CSRF token, logging in on first use."""
        if key not in self.sessions:
            client = requests.Session()
            page = client.get(f"{self.base_url}/login")
            token = csrf_token(page.text)
            answer = client.post(
                f"{self.base_url}/login",
                data={"email": self.accounts[key].email, "password": PASSWORD, "csrf_token": token},
                allow_redirects=False,
            )
            if answer.status_code != 302:
                raise RuntimeError(f"login of {key} answered {answer.status_code}")
            secret = self.accounts[key].totp_secret
            if secret is not None:  # staff: the second step, with the code of this moment
                code_page = client.get(f"{self.base_url}/login/code")
                answer = client.post(
                    f"{self.base_url}/login/code",
                    data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(code_page.text)},
                    allow_redirects=False,
                )
                if answer.status_code != 302 or answer.headers["Location"].endswith("/login/code"):
                    raise RuntimeError(f"second factor of {key} answered {answer.status_code}")
            self.sessions[key] = (client, token)
        return self.sessions[key]

    def close(self) -> None:
        """Close every session's connections."""
        for client, _ in self.sessions.values():
            client.close()


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_FIELD.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


@dataclass
class Samples:
    """The measured runs of one endpoint."""

    server_seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    round_trips: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)


def measure_all(
    endpoints: tuple[Endpoint, ...],
    clients: Clients,
    server: LoopbackServer,
    engine: sa.Engine,
    *,
    warmup: int,
    runs: int,
) -> dict[str, Result]:
    """Warm up, then time `runs` rounds of every endpoint; replay each one's SQL on its own.

    The endpoints take turns within each round, so a burst of other work on the machine
    slows all of them alike and leaves their ratios (3 years against 3 months) fair.
    """
    samples = {endpoint.key: Samples() for endpoint in endpoints}
    for run in range(warmup + runs):
        for endpoint in endpoints:
            elapsed, size = send(endpoint, clients, run)
            if run >= warmup:
                record = server.last()
                taken = samples[endpoint.key]
                taken.server_seconds.append(record.seconds)
                taken.cpu_seconds.append(record.cpu_seconds)
                taken.round_trips.append(elapsed)
                taken.sizes.append(size)
                taken.queries.append(record.queries)
                taken.statements = record.statements
    return {
        endpoint.key: Result(
            endpoint=endpoint,
            server_ms=statistics.median(taken.server_seconds) * 1000,
            cpu_ms=statistics.median(taken.cpu_seconds) * 1000,
            round_trip_ms=statistics.median(taken.round_trips) * 1000,
            body_bytes=int(statistics.median(taken.sizes)),
            query_counts=sorted(set(taken.queries)),
            bare_sql_ms=bare_sql_seconds(engine, taken.statements, runs,
                                         undo=undo_of(endpoint, clients, warmup + runs - 1))
            * 1000,
            runs=runs,
        )
        for endpoint, taken in ((e, samples[e.key]) for e in endpoints)
    }


def undo_of(endpoint: Endpoint, clients: Clients, run: int) -> sa.Executable | None:
    """The statement that takes run `run` of a write away again, if the endpoint writes."""
    if endpoint.undo is None:
        return None
    return endpoint.undo(clients.accounts[endpoint.account], run)


def send(endpoint: Endpoint, clients: Clients, run: int) -> tuple[float, int]:
    """Send run `run` of an endpoint; its round-trip seconds and response size."""
    client, token = clients.session(endpoint.account)
    call = endpoint.call(clients.accounts[endpoint.account], run)
    data = None if call.data is None else {**call.data, "csrf_token": token}
    started = time.perf_counter()
    answer = client.request(call.method, clients.base_url + call.path, data=data,
                            allow_redirects=False)
    elapsed = time.perf_counter() - started
    if answer.status_code != call.expect:
        raise RuntimeError(f"{endpoint.key}: {call.method} {call.path} answered "
                           f"{answer.status_code}, expected {call.expect}")
    return elapsed, len(answer.content)


def bare_sql_seconds(
    engine: sa.Engine, statements: list[Statement], runs: int, undo: sa.Executable | None = None
) -> float:
    """The median time of the request's own statements, sent again on a raw DBAPI connection.

    Same text and parameters, results fetched, no ORM, Flask or JSON; inside a transaction
    that is rolled back, so replaying a write leaves nothing behind. A write's `undo` runs
    first in that transaction, untimed. SQLite's BEGIN statements are left out: the replay
    opens its own transaction.
    """
    replayed = [s for s in statements if not s.is_begin]
    sqlite = engine.dialect.name == "sqlite"
    undo_sql = None if undo is None else str(
        undo.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    )
    raw = engine.raw_connection()
    times = []
    try:
        for _ in range(runs):
            cursor = raw.cursor()
            if sqlite:
                cursor.execute("BEGIN")
            if undo_sql is not None:
                cursor.execute(undo_sql)
            started = time.perf_counter()
            for statement in replayed:
                if statement.many:
                    cursor.executemany(statement.sql, statement.parameters)
                else:
                    cursor.execute(statement.sql, statement.parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            times.append(time.perf_counter() - started)
            cursor.close()
            raw.rollback()
    finally:
        raw.close()
    return statistics.median(times)
