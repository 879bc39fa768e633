"""One throttle for every form that can be used to guess: passwords, second-factor codes,
share codes, invitations and registrations (docs/security.md, "Throttling").

A bucket counts the attempts of one kind for one key: an account, an address, or the two
together. Its first attempts pass at once; from the last free one on, each attempt sets a
not-before time (one minute, then two, four, ... at most fifteen), and an attempt before it is
refused with the seconds to wait, for Retry-After. Nothing sleeps on the server. A bucket
without an attempt for an hour is forgotten.

Claiming an attempt and counting it are one step. The buckets are locked before they are read
(BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL) and counted in the same
transaction, before anything is checked: parallel requests queue on the lock instead of all
reading the count from before any of them. An attempt that turns out right gives its claim
back, so only failures count where the kind says so.

Keys are HMACs of the address, account or email under the app's secret key: the table holds
no address in clear, and a changed secret key only forgets the counts.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from diary.clock import utcnow
from diary.config import setting
from diary.database import dialect_insert, own_transaction
from diary.errors import Throttled
from diary.extensions import db
from diary.models import ThrottleBucket
from diary.orm import UTCDateTime

KEY_DIGEST_LENGTH = 32  # hex characters of each HMAC in a key (128 bits)
LONGEST_DOUBLING = 30  # beyond 2**30 minutes every delay is the longest one anyway


@dataclass(frozen=True)
class Rule:
    """What a bucket counts (its scope in the table) and the setting with its free attempts."""

    scope: str
    free_attempts_setting: str

    def free_attempts(self) -> int:
        return int(setting(self.free_attempts_setting))


LOGIN_ACCOUNT_AND_ADDRESS = Rule("login.pair", "THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS")
LOGIN_ACCOUNT = Rule("login.account", "THROTTLE_LOGIN_PER_ACCOUNT")
LOGIN_ADDRESS = Rule("login.address", "THROTTLE_LOGIN_PER_ADDRESS")
SHARE_CODE_ACCOUNT = Rule("share_code.account", "THROTTLE_SHARE_CODE_PER_ACCOUNT")
SHARE_CODE_ADDRESS = Rule("share_code.address", "THROTTLE_SHARE_CODE_PER_ADDRESS")
INVITATION_ACCOUNT = Rule("invitation.account", "THROTTLE_INVITATION_PER_ACCOUNT")
INVITATION_ADDRESS = Rule("invitation.address", "THROTTLE_INVITATION_PER_ADDRESS")
REGISTRATION_EMAIL = Rule("registration.email", "THROTTLE_REGISTRATION_PER_EMAIL")
REGISTRATION_ADDRESS = Rule("registration.address", "THROTTLE_REGISTRATION_PER_ADDRESS")
RULES = (
    LOGIN_ACCOUNT_AND_ADDRESS, LOGIN_ACCOUNT, LOGIN_ADDRESS, SHARE_CODE_ACCOUNT, SHARE_CODE_ADDRESS,
    INVITATION_ACCOUNT, INVITATION_ADDRESS, REGISTRATION_EMAIL, REGISTRATION_ADDRESS,
)


class Counted(NamedTuple):
    """One bucket a claim counted in."""

    scope: str
    key: str
    set_by_us: datetime | None  # the not-before time this claim set, if any
    replaced: datetime | None  # the not-before time it replaced


@dataclass(frozen=True)
class Claim:
    """An attempt counted in its buckets; `give_back` undoes it when the attempt was right."""

    counted: list[Counted]

    def give_back(self) -> None:
        """Uncount the attempt, and lift the wait it set unless a later attempt moved it."""
        table = ThrottleBucket.__table__
        with own_transaction() as connection:
            for scope, key, set_by_us, replaced in self.counted:
                not_before = table.c.not_before
                if set_by_us is not None:
                    not_before = sa.case(
                        (table.c.not_before == set_by_us, sa.literal(replaced, UTCDateTime())),
                        else_=table.c.not_before,
                    )
                connection.execute(
                    sa.update(table)
                    .where(table.c.scope == scope, table.c.key == key)
                    .values(
                        attempts=sa.case((table.c.attempts > 0, table.c.attempts - 1), else_=0),
                        not_before=not_before,
                    )
                )


# What each form claims -----------------------------------------------------------------------


def claim_login(account: str, address: str | None) -> Claim:
    """A password or a code for this account (its normalised email) from this address."""
    return claim(
        (LOGIN_ACCOUNT_AND_ADDRESS, _pair_key(account, address)),
        (LOGIN_ACCOUNT, _digest(account)),
        (LOGIN_ADDRESS, _digest(address)),
    )


def claim_share_code(account_key: str, address: str | None) -> Claim:
    """A share code typed by this clinician (their public id) from this address."""
    return claim((SHARE_CODE_ACCOUNT, _digest(account_key)), (SHARE_CODE_ADDRESS, _digest(address)))


def claim_invitation(account_key: str, address: str | None) -> Claim:
    """An invitation sent by this clinician (their public id) from this address."""
    return claim((INVITATION_ACCOUNT, _digest(account_key)), (INVITATION_ADDRESS, _digest(address)))


def claim_registration(email: str, address: str | None) -> Claim:
    """A registration mail to this email address, asked for from this address."""
    return claim((REGISTRATION_EMAIL, _digest(email)), (REGISTRATION_ADDRESS, _digest(address)))


def forget_login_failures(account: str) -> None:
    """Drop the account's login buckets, from every address, in the caller's transaction.

    After a password reset the mailbox is proven: what a guesser did no longer holds the
    owner back. The addresses' own buckets stay.
    """
    table = ThrottleBucket.__table__
    digest = _digest(account)
    the_accounts = sa.or_(
        sa.and_(table.c.scope == LOGIN_ACCOUNT.scope, table.c.key == digest),
        sa.and_(
            table.c.scope == LOGIN_ACCOUNT_AND_ADDRESS.scope,
            table.c.key.startswith(f"{digest}:", autoescape=True),
        ),
    )
    # Locked in the claims' order first: deleting in the scan's order could deadlock with a
    # claim on the same buckets (PostgreSQL).
    db.session.execute(
        sa.select(table.c.scope).where(the_accounts)
        .order_by(table.c.scope, table.c.key).with_for_update()
    )
    db.session.execute(sa.delete(table).where(the_accounts))


# The mechanism -----------------------------------------------------------------------------


def claim(*buckets: tuple[Rule, str]) -> Claim:
    """Count one attempt in every bucket, or raise Throttled when any of them says wait.

    One write transaction on a connection of its own (the caller's session and its loaded
    objects are left alone): the rows are created if missing, locked, read, counted and
    committed; a refusal counts nothing. Rows are locked in one order (scope, then key), and
    pruning skips rows another claim holds, so two claims never wait for each other in a
    circle. Forgotten rows of these scopes are pruned on the way. Call it before the caller's
    own write transaction: on SQLite that one would hold the write lock.
    """
    rules = {rule.scope: rule for rule, _ in buckets}
    wanted = sorted({(rule.scope, key) for rule, key in buckets})
    with own_transaction() as connection:
        return _count(connection, rules, wanted)


def _count(connection: sa.Connection, rules: dict[str, Rule], wanted: list[tuple[str, str]]) -> Claim:
    """The claim's transaction: create, lock, read, refuse or count, prune."""
    table = ThrottleBucket.__table__
    now = utcnow()
    forgotten_before = _forgotten_before(now)
    for scope, key in wanted:
        # Created if missing, else locked as it is (a no-op update): never missed, even when
        # a prune deletes it between two statements.
        connection.execute(
            dialect_insert(table)
            .values(scope=scope, key=key, attempts=0, last_at=now, not_before=None)
            .on_conflict_do_update(index_elements=["scope", "key"], set_={"attempts": table.c.attempts})
        )
    rows = connection.execute(
        sa.select(table.c.scope, table.c.key, table.c.attempts, table.c.last_at, table.c.not_before)
        .where(sa.tuple_(table.c.scope, table.c.key).in_(wanted))
        .order_by(table.c.scope, table.c.key)
        .with_for_update()
    ).all()

    waits = [
        (row.not_before - now).total_seconds()
        for row in rows
        if row.last_at >= forgotten_before and row.not_before is not None and row.not_before > now
    ]
    if waits:
        raise Throttled(max(1, math.ceil(max(waits))))  # rolls back: nothing is counted

    counted = []
    for row in rows:
        fresh = row.last_at < forgotten_before
        attempts = (0 if fresh else row.attempts) + 1
        replaced = None if fresh else row.not_before
        over = attempts - rules[row.scope].free_attempts()
        set_by_us = now + delay(over) if over >= 0 else None
        connection.execute(
            sa.update(table)
            .where(table.c.scope == row.scope, table.c.key == row.key)
            .values(attempts=attempts, last_at=now, not_before=set_by_us or replaced)
        )
        counted.append(Counted(row.scope, row.key, set_by_us, replaced))
    # Forgotten rows of these scopes go, but none another claim holds: waiting for it here,
    # while holding ours, is how two claims would deadlock.
    forgotten = (
        sa.select(table.c.scope, table.c.key)
        .where(table.c.scope.in_(rules), table.c.last_at < forgotten_before)
        .with_for_update(skip_locked=True)
    )
    connection.execute(sa.delete(table).where(sa.tuple_(table.c.scope, table.c.key).in_(forgotten)))
    return Claim(counted)


def delay(over: int) -> timedelta:
    """The wait after the attempt `over` past the last free one (0 for the last free one)."""
    first = setting("THROTTLE_FIRST_DELAY_SECONDS")
    longest = setting("THROTTLE_LONGEST_DELAY_SECONDS")
    return timedelta(seconds=min(first * 2 ** min(over, LONGEST_DOUBLING), longest))


def prune(now: datetime | None = None) -> int:
    """Delete every bucket nobody used for the forget-after time (the scheduler's tick)."""
    cutoff = _forgotten_before(now or utcnow())
    table = ThrottleBucket.__table__
    with own_transaction() as connection:
        return connection.execute(sa.delete(table).where(table.c.last_at < cutoff)).rowcount



def _forgotten_before(now: datetime) -> datetime:
    """A bucket whose last attempt is older than this starts again from zero."""
    return now - timedelta(minutes=setting("THROTTLE_FORGET_AFTER_MINUTES"))


def _digest(value: str | None) -> str:
    """The key for one address, account or email; a missing address shares one key."""
    secret = setting("SECRET_KEY").encode()
    text = (value if value is not None else "unknown").encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()[:KEY_DIGEST_LENGTH]


def _pair_key(account: str, address: str | None) -> str:
    """The account's digest first, so a reset finds the account's buckets from every address."""
    return f"{_digest(account)}:{_digest(address)}"

