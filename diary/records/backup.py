"""`flask --app wsgi backup PATH`: a consistent copy of the running SQLite database.

SQLite's online backup API copies the database as one snapshot while the app keeps writing
(a transaction is in the copy whole or not at all), which copying the file would not promise
under WAL. The copy is created with mode 0600 from the start (it holds health data), never
overwrites a file unless told to, and is switched out of WAL so that it is one file.
PostgreSQL has its own tools; the command explains them rather than half-doing their job.
Restoring is in docs/data.md.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext

from diary.database import SQLITE_BUSY_TIMEOUT_MS
from diary.extensions import db

POSTGRES_HELP = """This database is PostgreSQL: back it up with PostgreSQL's own tools.

  pg_dump --format=custom --file=diary.dump "$DATABASE_URL"     # a consistent snapshot
  pg_restore --clean --if-exists --dbname="$DATABASE_URL" diary.dump

Keep the dump readable by its owner only (umask 077), then run `flask --app wsgi db upgrade`
after a restore. See docs/data.md."""


class BackupError(Exception):
    """The backup could not be made; nothing was left behind."""


def _create_private(path: Path) -> None:
    """Create an empty file readable by its owner only; fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> str:
    """Copy the database at `source` to `target` as one snapshot; returns its integrity check.

    The copy is made beside the target under a temporary name and moved into place only
    when complete, so a failed or interrupted backup never leaves a half file at `target`.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}.")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; use --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    _create_private(partial)
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(partial)
        try:
            src.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # pages=-1: the whole database in one step, under one read snapshot.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")
            result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            src.close()
            dst.close()
        if force:
            os.replace(partial, target)
        else:
            os.link(partial, target)  # refuses atomically if the target appeared meanwhile
            partial.unlink()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH when it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent copy of the SQLite database to PATH (mode 0600)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        click.echo(POSTGRES_HELP, err=True)
        raise SystemExit(2)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("This SQLite database lives in memory; there is no file to back up.")
    try:
        result = backup_sqlite(Path(url.database), path, force=force)
    except (BackupError, FileExistsError) as error:
        raise click.ClickException(str(error)) from None
    except sqlite3.Error as error:
        raise click.ClickException(f"SQLite could not copy the database: {error}") from None
    click.echo(f"Backed up the database to {path} (integrity check: {result}).")
    if result != "ok":
        raise SystemExit(1)
