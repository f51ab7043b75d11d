"""The scheduler lease: one process holds a named scheduler, renewed by a heartbeat.

PostgreSQL needs no lease for correctness: schedulers claim due work with FOR UPDATE SKIP
LOCKED. On SQLite a second scheduler would be correct too (every write takes the database lock
and re-checks what is due), but it would only queue behind the first; so one holds the lease
`scheduler` and the other refuses. The web workers of `percorsi serve` embed a scheduler on
standby: the one worker holding the lease (`scheduler` on SQLite, `web-scheduler` on
PostgreSQL) runs it, the others take over when its lease lapses.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engine.errors import SchedulerBusy
from engine.store.tables import SchedulerLease
from engine.store.uow import UnitOfWork

NAME = "scheduler"
WEB_NAME = "web-scheduler"  # the scheduler embedded in the web workers, on PostgreSQL
TTL = timedelta(seconds=30)
HEARTBEAT_SECONDS = 10


def this_process() -> str:
    """How a lease holder is named: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Lease:
    holder: str
    heartbeat_at: datetime
    expires_at: datetime


def current_lease(uow: UnitOfWork, name: str = NAME) -> Lease | None:
    row = uow.session.get(SchedulerLease, name)
    return Lease(row.holder, row.heartbeat_at, row.expires_at) if row else None


def _gone(holder: str) -> bool:
    """True when the holder was a process on this host that no longer exists."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire_lease(uow: UnitOfWork, holder: str, name: str = NAME) -> Lease:
    """Take the lease, or raise SchedulerBusy naming the live holder."""
    row = uow.session.scalar(
        select(SchedulerLease).where(SchedulerLease.name == name).with_for_update()
    )
    if row is None:
        row = SchedulerLease(name=name, holder=holder, heartbeat_at=uow.now, expires_at=uow.now)
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # another process created it at the same moment
            raise SchedulerBusy(f"another process took the {name} lease just now") from exc
    elif row.holder != holder and row.expires_at > uow.now and not _gone(row.holder):
        raise SchedulerBusy(
            f"the scheduler is already running in {row.holder} (last heartbeat "
            f"{row.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); on SQLite only one scheduler may run. "
            f"If that process is gone, its lease expires at {row.expires_at:%H:%M:%S} UTC."
        )
    row.holder, row.heartbeat_at, row.expires_at = holder, uow.now, uow.now + TTL
    uow.commit()
    return Lease(row.holder, row.heartbeat_at, row.expires_at)


def renew_lease(uow: UnitOfWork, holder: str, name: str = NAME) -> bool:
    """Extend our lease; False if another process took it meanwhile."""
    row = uow.session.get(SchedulerLease, name)
    if row is None or row.holder != holder:
        return False
    row.heartbeat_at, row.expires_at = uow.now, uow.now + TTL
    uow.commit()
    return True


def release_lease(uow: UnitOfWork, holder: str, name: str = NAME) -> None:
    uow.session.execute(
        delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
    )
    uow.commit()
