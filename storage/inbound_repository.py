"""Activities already handled (``inbound_activity``), and the replicas' heartbeats.

Why an insert that may do nothing: the first of two deliveries of one activity
inserts its key and is handled; the second finds the key and is not. On
PostgreSQL the unique key decides between two replicas receiving both at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundActivityRow, ReplicaHeartbeatRow

_RECORD_KEY = {
    dialect.dialect.name: dialect.insert(InboundActivityRow.__table__)  # a Core insert, not the ORM's bulk path
    .values(key=bindparam("key"), received_at=bindparam("received_at"))
    .on_conflict_do_nothing(index_elements=["key"])
    for dialect in (postgresql, sqlite)
}
"""Built once: constructing the insert and its cache key cost 0.13 ms of every message turn."""


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Record ``key``; False when it was recorded before (a redelivery)."""
    statement = _RECORD_KEY[session.get_bind().dialect.name]
    result = await session.execute(statement, {"key": key, "received_at": now})
    return isinstance(result, CursorResult) and result.rowcount > 0


async def prune_inbound(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(InboundActivityRow).where(InboundActivityRow.received_at < before))


async def beat(session: AsyncSession, replica_id: str, now: datetime) -> None:
    """This replica lives (inserted the first time, refreshed after)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ReplicaHeartbeatRow).values(replica_id=replica_id, seen_at=now, started_at=now)
    await session.execute(insert.on_conflict_do_update(index_elements=["replica_id"], set_={"seen_at": now}))


async def live_replicas(session: AsyncSession, since: datetime) -> int:
    """Replicas heard from since ``since`` (this one included once it beat)."""
    count = await session.scalar(select(func.count()).where(ReplicaHeartbeatRow.seen_at >= since))
    return int(count or 0)


async def forget_replica(session: AsyncSession, replica_id: str) -> None:
    """A replica stopping cleanly: the others take its share at once."""
    await session.execute(delete(ReplicaHeartbeatRow).where(ReplicaHeartbeatRow.replica_id == replica_id))


async def prune_heartbeats(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(ReplicaHeartbeatRow).where(ReplicaHeartbeatRow.seen_at < before))
