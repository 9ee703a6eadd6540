"""Draining the outbox: per-channel batches and rate limits, retries with backoff, marks sent.

Rows are claimed (status ``sending`` with a short lease) in one transaction, sent outside any
transaction so the database is never locked during an HTTP call, then marked ``sent`` or
rescheduled. A row whose claim expired (the worker died mid-send) is claimed again. Different
recipients are sent to concurrently (``SENDERS`` threads); one recipient's rows go out in order,
one after another, on one thread.
"""
import hashlib
import logging
import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select, update

from bot import alerts
from bot.errors import ChannelError
from storage import clock, pauses
from storage.models import OutboxMessage

log = logging.getLogger("bot.delivery")

CLAIM_SECONDS = 30          # longer than any send's timeouts: an expired claim means the sender died
SENDERS = 8                 # recipients served at once (each API call waits on the network)
WINDOW = timedelta(seconds=60)


def _once_key(rows):
    """A key stable across retries of these rows when each has a dedupe key (else None)."""
    keys = sorted(r["dedupe_key"] for r in rows if r["dedupe_key"])
    if len(keys) != len(rows):
        return None
    return hashlib.sha1("\n".join(keys).encode("utf-8")).hexdigest()


def backoff(attempts, base=2.0, cap=1800.0):
    """Exponential backoff with jitter: about 2, 4, 8 … seconds, at most ``cap``."""
    return min(cap, base * (2 ** max(0, attempts - 1))) * random.uniform(0.8, 1.2)


class Delivery:
    def __init__(self, bot):
        self.bot = bot
        self._paused_now = {}   # (channel, recipient) paused during this round: later sends wait

    def drain(self, limit=2000):
        """Deliver what is due now; returns the number of rows marked sent."""
        claimed = self._claim(limit)
        by_channel = defaultdict(list)
        for row in claimed:
            by_channel[row["channel"]].append(row)
        groups = defaultdict(list)
        for channel_name, rows in by_channel.items():
            channel = self.bot.channels.get(channel_name) or self.bot.robots_only(channel_name)
            if channel is None:
                self._fail(rows, f"渠道 {channel_name} 未配置")
                alerts.report(self.bot, channel_name, "该渠道未配置", len(rows))
                continue
            for row in self._apply_limits(channel, rows):      # limits over all of this round's rows
                groups[(channel, row["batch_key"] or f"row:{row['id']}")].append(row)
        self._paused_now = {}
        lanes = defaultdict(list)           # one recipient's sends, in order; a batch is a lane of its own
        for (channel, _), rows in groups.items():
            channel_name = channel.name
            for start in range(0, len(rows), channel.max_batch):
                chunk = rows[start:start + channel.max_batch]
                lane = (channel_name, chunk[0]["recipient"]) if len(chunk) == 1 else ("batch", chunk[0]["id"])
                lanes[lane].append((channel, chunk))
        if len(lanes) <= 1:
            return sum(self._send_lane(work) for work in lanes.values())
        with ThreadPoolExecutor(min(SENDERS, len(lanes)), thread_name_prefix="send") as pool:
            return sum(pool.map(self._send_lane, lanes.values()))

    def _send_lane(self, work):
        sent = 0
        for channel, chunk in work:
            until = self._paused_now.get((channel.name, chunk[0]["recipient"])) if len(chunk) == 1 else None
            if until is not None:           # paused by an earlier send of this lane (e.g. 130101)
                self._postpone(chunk, until)
                continue
            sent += self._send(channel, chunk)
        return sent

    def _postpone(self, rows, until):
        with self.bot.db.transaction() as session:
            for row in rows:
                obj = session.get(OutboxMessage, row["id"])
                obj.status, obj.attempts, obj.next_attempt_at = "pending", obj.attempts - 1, until

    def pending(self):
        with self.bot.db.session() as session:
            return session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status.in_(("pending", "sending"))))

    def drain_all(self, timeout=60.0, sleep=None):
        """Drain until nothing is left, waiting for postponed rows up to ``timeout`` seconds."""
        import time
        deadline = time.monotonic() + timeout
        total = 0
        while True:
            sent = self.drain()
            total += sent
            if sent:
                continue                    # more may be due right now
            if not self.pending() or time.monotonic() > deadline:
                return total
            (sleep or time.sleep)(min(1.0, self.bot.config.delivery_interval))

    # -- steps ---------------------------------------------------------------------------
    def _claim(self, limit):
        """Mark due rows ``sending`` (a short lease) in one statement and return them as dicts."""
        now = clock.real_utcnow()
        with self.bot.db.transaction() as session:
            query = (select(OutboxMessage.id)
                     .where(OutboxMessage.status.in_(("pending", "sending")),
                            OutboxMessage.next_attempt_at <= now)
                     .order_by(OutboxMessage.id).limit(limit))
            if not self.bot.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            ids = session.scalars(query).all()
            if not ids:
                return []
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(status="sending", attempts=OutboxMessage.attempts + 1,
                                    next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
                            .execution_options(synchronize_session=False))
            rows = session.execute(select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient,
                                          OutboxMessage.payload, OutboxMessage.batch_key, OutboxMessage.attempts,
                                          OutboxMessage.dedupe_key)
                                   .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
            return [row._asdict() for row in rows]

    def _apply_limits(self, channel, rows):
        """Keep what the platform's per-recipient minute limits allow; postpone the rest."""
        now = clock.real_utcnow()
        paused = self._paused_recipients(channel, {r["recipient"] for r in rows}, now)
        allowed, postponed = [], []
        counts = self._recent_counts(channel, {r["recipient"] for r in rows}, now)
        for row in rows:
            limit = channel.limit_per_minute(row["recipient"])
            # limits count API messages: one row may be a split text, text + card, text + file
            row["api_messages"] = max(1, channel.api_messages(row["recipient"], row["payload"]))
            used = counts[row["recipient"]]
            if row["recipient"] in paused:
                postponed.append((row, paused[row["recipient"]]))
            elif limit is not None and used + row["api_messages"] > limit and used > 0:
                postponed.append((row, now + WINDOW / 4))
            else:       # (a row larger than the whole limit goes alone, into an empty minute)
                counts[row["recipient"]] += row["api_messages"]
                allowed.append(row)
        if postponed:
            with self.bot.db.transaction() as session:
                for row, when in postponed:
                    obj = session.get(OutboxMessage, row["id"])
                    obj.status, obj.attempts, obj.next_attempt_at = "pending", obj.attempts - 1, when
        return allowed

    def _recent_counts(self, channel, recipients, now):
        counts = defaultdict(int)
        if not recipients:
            return counts
        with self.bot.db.session() as session:
            for recipient, n in session.execute(
                    select(OutboxMessage.recipient, func.sum(OutboxMessage.api_messages))
                    .where(OutboxMessage.channel == channel.name, OutboxMessage.status == "sent",
                           OutboxMessage.sent_at > now - WINDOW,
                           OutboxMessage.recipient.in_(list(recipients)))
                    .group_by(OutboxMessage.recipient)):
                counts[recipient] = int(n or 0)
        return counts

    def _paused_recipients(self, channel, recipients, now):
        return pauses.paused(self.bot.db, channel.name, recipients, now)

    def pause(self, channel_name, recipient, seconds):
        """Hold every message to ``recipient`` for ``seconds`` (e.g. a throttled robot)."""
        self._paused_now[(channel_name, recipient)] = pauses.pause(self.bot.db, channel_name, recipient, seconds)

    def _send(self, channel, rows):
        if not rows:
            return 0
        recipients = [r["recipient"] for r in rows]
        try:
            if getattr(channel, "accepts_keys", False):
                # the outbox ids let the channel drop a copy it already delivered before a crash
                result = channel.push(recipients, rows[0]["payload"], keys=[r["id"] for r in rows])
            elif channel.accepts_once:
                # rows with a dedupe key never repeat on purpose: the platform may drop a copy
                result = channel.push(recipients, rows[0]["payload"], once=_once_key(rows))
            else:
                result = channel.push(recipients, rows[0]["payload"])
        except ChannelError as exc:
            self._retry_or_fail(channel, rows, exc)
            return 0
        except Exception as exc:   # a bug in a channel must not stop delivery of everything else
            log.exception("push failed on %s", channel.name)
            self._retry_or_fail(channel, rows, ChannelError("exception", repr(exc), retry=True))
            return 0
        rejected = set((result or {}).get("retry_recipients", ()))
        invalid = set((result or {}).get("invalid_recipients", ()))
        now = clock.real_utcnow()
        by_outcome = defaultdict(list)
        for row in rows:
            outcome = "invalid" if row["recipient"] in invalid else "later" if row["recipient"] in rejected else "sent"
            by_outcome[(outcome, row.get("api_messages", 1) if outcome == "sent" else None)].append(row["id"])
        values = {"invalid": dict(status="failed", last_error="接收人无效或不在应用可见范围"),
                  "later": dict(status="pending", next_attempt_at=now + timedelta(seconds=60))}
        with self.bot.db.transaction() as session:
            for (outcome, messages), ids in by_outcome.items():
                change = (dict(status="sent", sent_at=now, last_error="", api_messages=messages)
                          if outcome == "sent" else values[outcome])
                session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**change)
                                .execution_options(synchronize_session=False))
        return sum(len(ids) for (outcome, _), ids in by_outcome.items() if outcome == "sent")

    def _retry_or_fail(self, channel, rows, exc):
        now = clock.real_utcnow()
        max_attempts = self.bot.config.delivery_max_attempts
        if exc.delay and exc.retry:
            for recipient in {r["recipient"] for r in rows}:
                if exc.code in channel.pausing_codes:
                    self.pause(channel.name, recipient, exc.delay)
        failed = 0
        with self.bot.db.transaction() as session:
            for row in rows:
                obj = session.get(OutboxMessage, row["id"])
                obj.last_error = f"{exc.code}: {exc.message}"[:2000]
                if exc.retry and obj.attempts < max_attempts:
                    obj.status = "pending"
                    obj.next_attempt_at = now + timedelta(seconds=max(exc.delay, backoff(obj.attempts)))
                else:
                    obj.status = "failed"
                    failed += 1
        level = logging.ERROR if exc.fatal_config else logging.WARNING
        log.log(level, "delivery on %s failed for %d recipient(s): %s", channel.name, len(rows), exc)
        if exc.fatal_config and failed:     # given up for a configuration reason: the admins hear of it
            alerts.report(self.bot, channel.name, exc.message or str(exc.code), failed)

    def _fail(self, rows, reason):
        with self.bot.db.transaction() as session:
            for row in rows:
                obj = session.get(OutboxMessage, row["id"])
                obj.status, obj.last_error = "failed", reason
