"""Draining the outbox: per-channel batches and rate limits, retries with backoff, marks sent.

Rows are claimed (status ``sending`` with a short lease; ``storage/deliveries.py`` holds the
statements) in one transaction, after a read finds any due, sent outside any
transaction so the database is never locked during an HTTP call, then marked ``sent`` or
rescheduled. While a round works, a thread renews its claims every ``RENEW_SECONDS``; a claim
that expired means its sender died, and the row is claimed again (within ``CLAIM_SECONDS``).

Different recipients are sent to concurrently (``SENDERS`` threads); one recipient's messages
go out in order, one after another, on one thread, and a row is not claimed while an earlier
one to the same recipient waits (postponed by a limit, a pause or a retry). On a channel that
``merges_texts``, consecutive plain-text replies to one recipient become one API message (joined by
a blank line, as long as that is still one message of the platform): a fast typist's
confirmations arrive together instead of using up the per-member minute.

A transient failure (a timeout, a refused connection, HTTP 5xx, a rate limit, "system busy") is
retried with capped backoff (``backoff``) for BOT_DELIVERY_RETRY_HOURS from the row's first
failure; only a permanent error (an unknown recipient, a request the platform will never take)
fails a row sooner. A platform failing that way for BOT_OUTAGE_MINUTES is an outage
(bot/outages.py). A time-bound notice (``payload["timely"]``) that could not go out in time is
sent marked 【延迟送达】 after its ``late_at``, and not at all after its ``drop_at``.
"""
import hashlib
import logging
import random
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

from bot import alerts
from bot.channels.base import GROUP_PREFIX
from bot.errors import ChannelError
from bot.outages import Outages
from storage import deliveries, pauses

log = logging.getLogger("bot.delivery")

CLAIM_SECONDS = 10          # a claim's life; renewed while its sender works, so an expired one means it died
RENEW_SECONDS = 2.0         # how often a working round renews its claims
SENDERS = 32                # recipients served at once (each API call waits on the network)
WINDOW = timedelta(seconds=60)
JOINER = "\n\n"                     # between merged texts


def _once_key(rows):
    """A key stable across retries of these rows when each has a dedupe key (else None)."""
    keys = sorted(r["dedupe_key"] for r in rows if r["dedupe_key"])
    if len(keys) != len(rows):
        return None
    return hashlib.sha1("\n".join(keys).encode("utf-8")).hexdigest()


BACKOFF_CAP = 300.0         # seconds at most between two tries of a row: a platform back is noticed soon
LATE_MARK = "【延迟送达：本通知原定{planned}发出，因消息平台故障延迟，内容以原定时间为准】\n"


def backoff(attempts, base=2.0, cap=BACKOFF_CAP):
    """Exponential backoff with jitter: about 2, 4, 8 … seconds, at most ``cap``."""
    return min(cap, base * (2 ** max(0, min(attempts, 30) - 1))) * random.uniform(0.8, 1.2)


def in_time(row, now):
    """"on time", "late" or "expired" for a claimed row, by its payload's ``timely`` moments
    (ISO, naive UTC, on the real clock); rows without them are always on time."""
    timely = row["payload"].get("timely") if isinstance(row["payload"], dict) else None
    if not timely:
        return "on time"
    if timely.get("drop_at") and now >= datetime.fromisoformat(timely["drop_at"]):
        return "expired"
    if timely.get("late_at") and now >= datetime.fromisoformat(timely["late_at"]):
        return "late"
    return "on time"


def marked_late(payload):
    """The payload as sent after its moment: its text opens with 【延迟送达 …】."""
    planned = (payload.get("timely") or {}).get("planned") or ""
    return dict(payload, text=LATE_MARK.format(planned=planned) + (payload.get("text") or ""))


def pace(used, limit):
    """How far apart a recipient's messages go once it has ``used`` of its ``limit`` a minute:
    not at all below half of it, then from 0 growing to 2 × (WINDOW / limit) at the limit (4 s
    for WeCom's 30). A fast typist settles at about 24 messages a minute, each carrying what
    came meanwhile, and never reaches the limit itself, which would stop everything for 15 s."""
    half = limit / 2
    if used < half:
        return None
    return WINDOW * (2 * (used - half) / half / limit)


def mergeable(row):
    """A plain-text reply: no buttons, file, markdown, title or mentions, not a notice."""
    payload = row["payload"]
    return (not row["dedupe_key"] and not row["batch_key"] and not row.get("notice")
            and set(payload) <= {"text", "buttons"} and not payload.get("buttons")
            and bool((payload.get("text") or "").strip()))


class Unit:
    """One send to one recipient: a row, or consecutive plain-text rows merged into one text."""
    __slots__ = ("rows", "recipient", "payload", "api_messages", "batch_key", "text")

    def __init__(self, row, api_messages, text=False):
        self.rows, self.recipient, self.payload = [row], row["recipient"], row["payload"]
        self.api_messages, self.batch_key = api_messages, row["batch_key"]
        self.text = text        # plain text(s) that a later plain text may join


class AppRate:
    """A sliding minute of API calls for one app, shared by the sender threads of this process."""

    def __init__(self, per_minute):
        self.per_minute, self.calls, self.lock = per_minute, deque(), threading.Lock()

    def take(self, n=1, sleep=time.sleep):
        while True:
            with self.lock:
                now = time.monotonic()
                while self.calls and self.calls[0] <= now - WINDOW.total_seconds():
                    self.calls.popleft()
                if len(self.calls) + n <= self.per_minute or not self.calls:
                    self.calls.extend([now] * n)
                    return
                wait = self.calls[0] + WINDOW.total_seconds() - now
            sleep(max(0.01, wait))


class Delivery:
    def __init__(self, bot):
        self.bot = bot
        self._paused_now = {}   # (channel, recipient) paused during this round: later sends wait
        # each channel's calls a minute (Channel.per_app_per_minute): a sender waits for room; kept in
        # this process, the worker holding the lease
        self._rates = {name: AppRate(c.per_app_per_minute) for name, c in bot.channels.items()
                       if c.per_app_per_minute}
        self._pool, self._lock = None, threading.Lock()
        self._idle = True       # the last round claimed nothing: the next one reads before it locks
        self.outages = Outages(bot)
        self._alerted = set()   # (channel, reason, hour) already reported to the admins by this process

    def drain(self, limit=2000):
        """Deliver what is due now; returns the number of rows marked sent."""
        claimed = self._claim(limit)
        self._idle = not claimed
        if not claimed:
            return 0
        with self._renewing([row["id"] for row in claimed]):
            return self._deliver(self._timely(claimed))

    def _timely(self, claimed):
        """Drop the time-bound rows whose moment is over; mark those that are late."""
        now = self.bot.clock.wall_utcnow()
        keep, expired = [], []
        for row in claimed:
            verdict = in_time(row, now)
            if verdict == "expired":
                expired.append(row["id"])
                continue
            if verdict == "late":
                row["payload"] = marked_late(row["payload"])
            if "timely" in row["payload"]:      # the moments are the outbox's, not the recipient's
                row["payload"] = {k: v for k, v in row["payload"].items() if k != "timely"}
            keep.append(row)
        if expired:
            log.warning("%d time-bound message(s) not sent: their moment passed", len(expired))
            with self.bot.db.transaction() as session:
                deliveries.expired(session, expired, "已过时效，未发送（消息平台故障期间错过了发送时间）")
        return keep

    def _deliver(self, claimed):
        by_channel = defaultdict(list)
        for row in claimed:
            by_channel[row["channel"]].append(row)
        batches = defaultdict(list)
        lanes = defaultdict(list)           # one recipient's sends, in order; a batch is a lane of its own
        for channel_name, rows in by_channel.items():
            channel = self.bot.channels.get(channel_name) or self.bot.robots_only(channel_name)
            if channel is None:
                self._fail(rows, f"渠道 {channel_name} 未配置")
                alerts.report(self.bot, channel_name, "该渠道未配置", len(rows))
                continue
            for unit in self._apply_limits(channel, self._units(channel, rows)):   # over all of this round's rows
                if unit.batch_key:
                    batches[(channel, unit.batch_key)].append(unit.rows[0])
                else:
                    lanes[(channel_name, unit.recipient)].append(
                        (channel, unit.rows, [unit.recipient], unit.payload, unit.api_messages))
        self._paused_now = {}
        for (channel, _), rows in batches.items():
            for start in range(0, len(rows), channel.max_batch):
                chunk = rows[start:start + channel.max_batch]
                lane = (channel.name, chunk[0]["recipient"]) if len(chunk) == 1 else ("batch", chunk[0]["id"])
                lanes[lane].append((channel, chunk, [r["recipient"] for r in chunk], chunk[0]["payload"],
                                    max(r["api_messages"] for r in chunk)))
        if len(lanes) <= 1:
            return sum(self._send_lane(work) for work in lanes.values())
        return sum(self._senders().map(self._send_lane, lanes.values()))

    def _senders(self):
        """The sender threads, kept from round to round: each keeps its HTTP connections
        (bot/channels/http.py has a session per thread), so a round opens no new TLS connections."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="send")
            return self._pool

    def close(self):
        """Stop the sender threads (they end with the process anyway)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _units(self, channel, rows):
        """The round's rows (in id order) as sends: on a merging channel a plain text joins the
        recipient's previous plain text while the two still make one API message."""
        units, last = [], {}
        merging = channel.merges_texts
        for row in rows:
            row["api_messages"] = max(1, channel.api_messages(row["recipient"], row["payload"]))
            if row["batch_key"]:
                units.append(Unit(row, row["api_messages"]))
                continue
            before = last.get(row["recipient"])
            text = merging and mergeable(row) and not row["recipient"].startswith(GROUP_PREFIX)
            if text and before is not None and before.text:
                joined = before.payload["text"].strip() + JOINER + row["payload"]["text"].strip()
                payload = {"text": joined, "buttons": []}
                if channel.api_messages(row["recipient"], payload) == 1:
                    before.rows.append(row)
                    before.payload, before.api_messages = payload, 1
                    continue
            last[row["recipient"]] = unit = Unit(row, row["api_messages"], text=text)
            units.append(unit)
        return units

    def _send_lane(self, work):
        sent = 0
        for n, (channel, rows, recipients, payload, messages) in enumerate(work):
            if len(recipients) > 1:         # a batch is a lane of its own
                sent += self._send(channel, rows, recipients, payload, messages)[0]
                continue
            until = self._paused_now.get((channel.name, recipients[0]))
            if until is not None:           # paused by an earlier send (e.g. 130101): this and what follows wait
                rest = work[n:]
            else:
                done, until = self._send(channel, rows, recipients, payload, messages)
                sent += done
                rest = work[n + 1:]         # (this send's own rows were rescheduled by _send)
            if until is not None:           # what follows for this recipient waits with it: order
                self._postpone([row for item in rest for row in item[1]], until)
                break
        return sent

    def _postpone(self, rows, until):
        """Put claimed rows back, due at ``until`` (this try does not count)."""
        if not rows:
            return
        with self.bot.db.transaction() as session:
            deliveries.postpone(session, [r["id"] for r in rows], until)

    def pending(self):
        with self.bot.db.session() as session:
            return deliveries.pending(session)

    def drain_all(self, timeout=60.0, sleep=None):
        """Drain until nothing is left, waiting for postponed rows up to ``timeout`` seconds."""
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
        """Mark due rows ``sending`` (a short lease) in one transaction and return them as dicts.

        A row is left alone while an earlier row to the same recipient waits (not due yet, or
        claimed by another sender): one recipient's messages keep their order."""
        now = self.bot.clock.wall_utcnow()
        if self._idle:          # an idle poll is a read; only a busy round goes straight to the claim
            with self.bot.db.session() as session:
                if not deliveries.any_due(session, now):
                    return []
        with self.bot.db.transaction() as session:
            due = deliveries.due(session, now, limit, lock=not self.bot.db.is_sqlite)
            if not due:
                return []
            pairs = {(c, r) for _, c, r, b in due if not b}
            waiting = deliveries.first_waiting(session, {r for _, r in pairs}, now) if pairs else {}
            ids = [i for i, c, r, b in due if b or i < waiting.get((c, r), i + 1)]
            if not ids:
                return []
            return deliveries.claim(session, ids, now + timedelta(seconds=CLAIM_SECONDS))

    @contextmanager
    def _renewing(self, ids):
        """Renew these claims every RENEW_SECONDS until the block ends (only rows still ``sending``)."""
        done = threading.Event()

        def renew():
            while not done.wait(RENEW_SECONDS):
                try:
                    self._renew(ids)
                except Exception:   # the next renewal may work; the claims last CLAIM_SECONDS
                    log.exception("renewing the outbox claims failed")

        thread = threading.Thread(target=renew, name="claims", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _renew(self, ids):
        with self.bot.db.transaction() as session:
            deliveries.renew(session, ids, self.bot.clock.wall_utcnow() + timedelta(seconds=CLAIM_SECONDS))

    def _apply_limits(self, channel, units):
        """Keep what the platform's per-recipient minute limits allow; a busy recipient's texts
        are spaced by ``pace`` from the last send before this round. Postpone the rest (and, for
        order, every later send to that recipient)."""
        now = self.bot.clock.wall_utcnow()
        recipients = {u.recipient for u in units}
        paused = self._paused_recipients(channel, recipients, now)
        recent = self._recent(channel, recipients, now)
        allowed, postponed, held = [], defaultdict(list), {}
        for unit in units:
            recipient = unit.recipient
            limit = channel.limit_per_minute(recipient)
            # limits count API messages: one row may be a split text, text + card, text + file
            used, last = recent.get(recipient, (0, None))
            # spacing only holds a text back, for the texts that come meanwhile to join it
            gap = pace(used, limit) if limit is not None and unit.text else None
            if not unit.batch_key and recipient in held:
                until = held[recipient]
            elif recipient in paused:
                until = paused[recipient]
            elif limit is not None and used + unit.api_messages > limit and used > 0:
                until = now + WINDOW / 4
            elif gap is not None and last is not None and last + gap > now:
                until = last + gap
            else:       # (a row larger than the whole limit goes alone, into an empty minute)
                recent[recipient] = (used + unit.api_messages, last)   # paced from the last round's send
                allowed.append(unit)
                continue
            if not unit.batch_key:
                held.setdefault(recipient, until)
            postponed[until].extend(unit.rows)
        for until, rows in postponed.items():
            self._postpone(rows, until)
        return allowed

    def _recent(self, channel, recipients, now):
        """{recipient: (API messages sent in the last WINDOW, the last sending)}."""
        if not recipients:
            return {}
        with self.bot.db.session() as session:
            return deliveries.recent(session, channel.name, recipients, now - WINDOW)

    def _paused_recipients(self, channel, recipients, now):
        return pauses.paused(self.bot.db, channel.name, recipients, now)

    def pause(self, channel_name, recipient, seconds):
        """Hold every message to ``recipient`` for ``seconds`` (e.g. a throttled robot)."""
        self._paused_now[(channel_name, recipient)] = pauses.pause(self.bot.db, channel_name, recipient, seconds)

    def _send(self, channel, rows, recipients, payload, messages=1):
        """One push of ``payload`` (``messages`` API messages) for ``rows``; returns (rows marked
        sent, when the rest is due again or None)."""
        if not rows:
            return 0, None
        rate = self._rates.get(channel.name)
        if rate is not None:
            rate.take(messages)
        try:
            if getattr(channel, "accepts_keys", False):
                # the outbox ids let the channel drop a copy it already delivered before a crash
                result = channel.push(recipients, payload, keys=[r["id"] for r in rows])
            elif channel.accepts_once:
                # rows with a dedupe key never repeat on purpose: the platform may drop a copy
                result = channel.push(recipients, payload, once=_once_key(rows))
            else:
                result = channel.push(recipients, payload)
        except ChannelError as exc:
            if exc.unavailable:
                self.outages.failed(channel.name, exc)
            return 0, self._retry_or_fail(channel, rows, exc)
        except Exception as exc:   # a bug in a channel must not stop delivery of everything else
            log.exception("push failed on %s", channel.name)
            return 0, self._retry_or_fail(channel, rows, ChannelError("exception", repr(exc), retry=True))
        self.outages.succeeded(channel.name)
        rejected = set((result or {}).get("retry_recipients", ()))
        invalid = set((result or {}).get("invalid_recipients", ()))
        now = self.bot.clock.wall_utcnow()
        later = now + timedelta(seconds=60)
        by_outcome = defaultdict(list)
        merged = len(recipients) == 1 and len(rows) > 1
        for n, row in enumerate(rows):
            outcome = "invalid" if row["recipient"] in invalid else "later" if row["recipient"] in rejected else "sent"
            # a merged send was one API message (or its parts): the first row counts them, the rest 0
            counted = row.get("api_messages", 1) if not merged else 0 if n else messages
            by_outcome[(outcome, counted if outcome == "sent" else None)].append(row["id"])
        with self.bot.db.transaction() as session:      # every row of the send together
            for (outcome, messages), ids in by_outcome.items():
                if outcome == "sent":
                    deliveries.sent(session, ids, now, messages)
                elif outcome == "later":
                    deliveries.later(session, ids, later)
                else:
                    deliveries.failed(session, ids, "接收人无效或不在应用可见范围")
        sent = sum(len(ids) for (outcome, _), ids in by_outcome.items() if outcome == "sent")
        return sent, (later if any(o == "later" for o, _ in by_outcome) else None)

    def _retry_or_fail(self, channel, rows, exc):
        """Reschedule the send's rows together (one time for all, so they stay in order) or fail
        them; returns when they are due again, or None when all failed.

        A transient failure is retried until BOT_DELIVERY_RETRY_HOURS have passed since the row's
        first failure; a permanent one fails the rows at once."""
        now = self.bot.clock.wall_utcnow()
        horizon = timedelta(hours=self.bot.config.delivery_retry_hours)
        if exc.delay and exc.retry:
            for recipient in {r["recipient"] for r in rows}:
                if exc.code in channel.pausing_codes:
                    self.pause(channel.name, recipient, exc.delay)
        error = f"{exc.code}: {exc.message}"[:2000]
        again = [r["id"] for r in rows
                 if exc.retry and (r.get("failing_since") is None or now - r["failing_since"] < horizon)]
        failed = [r["id"] for r in rows if r["id"] not in again]
        until = now + timedelta(seconds=max(exc.delay, backoff(max(r["attempts"] for r in rows))))
        with self.bot.db.transaction() as session:
            if again:
                deliveries.retry(session, again, until, error, now, channel.name, {r["recipient"] for r in rows})
            if failed:
                deliveries.failed(session, failed, error)
        level = logging.ERROR if exc.fatal_config or failed else logging.WARNING
        log.log(level, "delivery on %s failed for %d recipient(s)%s: %s", channel.name, len(rows),
                f", {len(failed)} given up" if failed else "", exc)
        if exc.fatal_config:        # a configuration reason: the admins hear of it (once an hour per reason)
            reason = exc.message or str(exc.code)
            hour = (channel.name, reason, now.strftime("%Y%m%d%H"))
            if hour not in self._alerted:       # the alert's own key dedupes; this spares the writes
                self._alerted.add(hour)
                alerts.report(self.bot, channel.name, reason, len(rows))
        return until if again else None

    def _fail(self, rows, reason):
        with self.bot.db.transaction() as session:
            deliveries.failed(session, [r["id"] for r in rows], reason)
