"""`make bench`: build the reference clinic into a fresh database and time the app on it.

SQLite in a temporary folder by default; PostgreSQL when DATABASE_URL points at a server
(a database is created for the run and dropped afterwards). Exits 1 when a bar of
docs/quality-bars.md (The bars) is missed, so the figure is never silently worse.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from bench import clinic_list  # noqa: E402
from bench import dataset as reference  # noqa: E402
from bench.cohort import COHORT, share_reference_clinic  # noqa: E402
from bench.database import describe, fresh_database  # noqa: E402
from bench.measure import ENDPOINTS, Clients, Result, measure_all  # noqa: E402
from bench.report import print_report  # noqa: E402
from bench.server import LoopbackServer  # noqa: E402
from diary.app import create_app  # noqa: E402
from diary.extensions import db  # noqa: E402


def bench_config(folder: Path, database_url: str) -> dict:
    """The production settings, on the run's own database and folder (CSRF stays on)."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_SERVER": None,
        "MAIL_OUTBOX": str(folder / "outbox"),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; the defaults are those of docs/quality-bars.md (How it is measured)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=reference.REFERENCE_PATIENTS,
                        help="patients in the reference clinic (default %(default)s)")
    parser.add_argument("--runs", type=int, default=30, help="measured runs per request (>= 20)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured runs first")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="a PostgreSQL server to create the run's database on "
                             "(default: $DATABASE_URL; SQLite when unset)")
    args = parser.parse_args(argv)
    if args.runs < 20:
        parser.error("docs/quality-bars.md (How it is measured) asks for the median of at least 20 runs")
    if args.warmup + args.runs > reference.OPEN_DAYS:
        parser.error(f"warm-up and runs together save at most {reference.OPEN_DAYS} check-ins")
    return args


def main(argv: list[str] | None = None) -> int:
    """Build, measure, report; 0 when every bar is met."""
    args = parse_args(argv)
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="diary-bench-") as temp, \
            fresh_database(args.database_url, Path(temp)) as database_url:
        folder = Path(temp)
        app = create_app(bench_config(folder, database_url))
        with app.app_context():
            upgrade()
            dataset = reference.build(datetime.now(UTC), args.patients)
            shared = share_reference_clinic(dataset.accounts["clinician"].user_id)
            db.session.remove()
            engine = db.engine
        results: dict[str, Result] = {}
        with LoopbackServer(app) as server:
            clients = Clients(server.base_url, dataset.accounts)
            try:
                results = measure_all((*ENDPOINTS, *clinic_list.ENDPOINTS, COHORT), clients,
                                      server, engine,
                                      warmup=args.warmup, runs=args.runs)
            finally:
                clients.close()
        engine.dispose()
        setting = [
            f"Database: {describe(database_url)} (fresh, removed after the run)",
            f"Server: werkzeug make_server, single-threaded, on {server.base_url}, in a thread of "
            "this process; client: requests; login through /login; CSRF on",
            f"Cohort view: {shared} patients shared with the reference clinician's clinic",
            f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
            f"1-minute load average {load_at_start:.2f} when the run began "
            "(other work on the machine slows every figure)",
        ]
        passed = print_report(setting, dataset, results)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
