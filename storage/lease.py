"""A database lease: one holder at a time (the worker), so a second worker waits instead of double-sending."""
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import Lease


class DatabaseLease:
    def __init__(self, db, name="worker", ttl=8):     # renewed every 2 s (bot/worker.py LEASE_RENEW)
        self.db, self.name, self.ttl = db, name, ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self):
        """Take or renew the lease; True while we hold it."""
        now = self.db.clock.wall_utcnow()
        until = now + timedelta(seconds=self.ttl)
        with self.db.transaction() as session:
            insert = sqlite_insert if self.db.is_sqlite else pg_insert
            session.execute(insert(Lease).values(name=self.name, holder=self.holder, expires_at=until)
                            .on_conflict_do_nothing(index_elements=["name"]))
            query = select(Lease).where(Lease.name == self.name)
            if not self.db.is_sqlite:
                query = query.with_for_update()
            lease = session.scalar(query)
            if lease.holder == self.holder or lease.expires_at <= now:
                lease.holder, lease.expires_at = self.holder, until
                return True
            return False

    def release(self):
        with self.db.transaction() as session:
            lease = session.get(Lease, self.name)
            if lease is not None and lease.holder == self.holder:
                session.delete(lease)
