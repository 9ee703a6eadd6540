"""What a messenger channel keeps in the database, behind one small object: ``ChannelState``.

A channel (bot/channels/**) translates wire formats and calls its platform; it opens no database
session and imports nothing from storage. Everything it has to remember goes through the
``ChannelState`` it is given at construction (bot/channel_store.py adds the files users send):
short-lived values (sessionWebhooks, card labels, a configuration block), access tokens,
paused recipients, the subscribed group robots, DingTalk's used callback signatures, the try-out
page's mailbox, tasks queued in a turn, and the wall clock those values expire by.
"""
from datetime import timedelta

from storage import cache, inbox, pauses, signatures, tasks, web_messages
from storage.people import subscribed_robot
from storage.tokens import TokenCache


class ChannelState:
    """The database state of one channel (``name``) on ``db``. Reads and writes outside a turn open
    their own short transaction; those inside a turn take the turn's ``session``."""

    def __init__(self, db, name):
        self.db, self.name = db, name

    # -- the wall clock (signing, expiry): never the moment ``notices run --now`` decides for ----
    def now(self):
        """The real current moment, naive UTC."""
        return self.db.clock.wall_utcnow()

    def now_ms(self):
        """The real current moment in epoch milliseconds."""
        return self.db.clock.wall_ms()

    def local_now(self):
        """The real current moment, aware, in BOT_TIMEZONE (names of received files)."""
        return self.db.clock.wall_now()

    def fresh(self, timestamp_seconds):
        """Whether a callback's timestamp (epoch seconds) is recent enough to be accepted
        (storage/inbox.py: its duplicate guard is kept that long)."""
        return inbox.fresh(timestamp_seconds, self.db.clock.wall_now().timestamp())

    # -- short-lived values ----------------------------------------------------------------------
    def get(self, key, margin=timedelta(0)):
        """The value under ``key`` while it stays valid ``margin`` from now, else None."""
        with self.db.session() as session:
            return cache.get(session, key, self.db.clock.wall_utcnow() + margin)

    def put(self, key, value, until, *, prune=None):
        """Keep ``value`` under ``key`` until ``until`` (naive UTC); with ``prune`` (a key prefix)
        the expired values under it are deleted in the same transaction."""
        with self.db.transaction() as session:
            if prune:
                cache.prune(session, prune, self.db.clock.wall_utcnow())
            cache.put(session, key, value, until)

    def put_in(self, session, key, value, until):
        """``put`` in the caller's transaction (a turn's)."""
        cache.put(session, key, value, until)

    def forget(self, key):
        with self.db.transaction() as session:
            cache.remove(session, key)

    @staticmethod
    def fits(key):
        """Whether ``key`` is short enough to be kept."""
        return len(key) <= cache.KEY_CHARS

    def tokens(self, key, margin=300):
        """The access token cache shared by every process (storage/tokens.py)."""
        return TokenCache(self.db, key, margin=margin)

    # -- delivery -------------------------------------------------------------------------------
    def pause(self, recipient, seconds):
        """Hold every message to ``recipient`` for ``seconds`` (a throttled robot)."""
        return pauses.pause(self.db, self.name, recipient, seconds)

    def robot(self, group_name):
        """(webhook, secret) of the subscribed group robot ``group_name``, or None."""
        with self.db.session() as session:
            return subscribed_robot(session, self.name, group_name)

    # -- DingTalk's callback signatures (storage/signatures.py) -----------------------------------
    def claim_signature(self, timestamp, sign, message_id, signed_at, share_seconds):
        """Whether the (timestamp, sign) pair may carry ``message_id``."""
        with self.db.transaction() as session:
            return signatures.claim(session, self.name, timestamp, sign, message_id, signed_at,
                                    self.db.clock.wall_utcnow(), share=timedelta(seconds=share_seconds))

    # -- tasks queued by a turn ----------------------------------------------------------------
    @staticmethod
    def add_task(session, kind, payload, dedupe_key=None):
        return tasks.add(session, kind, payload, dedupe_key=dedupe_key)

    # -- the try-out page's mailbox ---------------------------------------------------------------
    def deliver(self, recipients, payload, keys):
        with self.db.transaction() as session:
            web_messages.deliver(session, recipients, payload, keys, self.db.clock.wall_utcnow())

    def take(self, user):
        with self.db.transaction() as session:
            return web_messages.take(session, user, self.db.clock.wall_utcnow())
