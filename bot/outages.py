"""Messenger outages: a platform whose API keeps failing (timeouts, refused connections, HTTP 5xx,
"system busy") for BOT_OUTAGE_MINUTES is an outage. It is logged, shown by /healthz (the records
in storage/outages.py) and told to the admins through another messenger they use when one is
configured, else on the failing one (where it arrives once the API is back); its end too.

Messages are never lost meanwhile: delivery keeps retrying them for BOT_DELIVERY_RETRY_HOURS
(bot/delivery.py). The worker holding the lease is the only writer; it keeps the records it
knows in memory, so a working send costs no database access.
"""
import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.message import Outgoing
from storage import outages
from storage.models import Account, Person, PersonRole
from storage.outbox import enqueue

log = logging.getLogger("bot.outages")

NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "web": "试用页面"}
_UNKNOWN = object()


def name_of(channel):
    return NAMES.get(channel, channel)


def local(clock, moment):
    """A naive UTC moment as ``MM-DD HH:MM`` in BOT_TIMEZONE."""
    return clock.local(moment).strftime("%m-%d %H:%M")


class Outages:
    """The outage state of each channel, kept by the delivery of one worker."""

    def __init__(self, bot):
        self.bot = bot
        self._lock = threading.Lock()
        self._known = {}            # channel -> its record (a dict) or None; read once from the database

    @property
    def threshold(self):
        return timedelta(minutes=self.bot.config.outage_minutes)

    def failed(self, channel, error):
        """A send on ``channel`` failed because the platform was unavailable."""
        now = self.bot.clock.wall_utcnow()
        with self._lock:
            record = self._record(channel)
            if record is None:
                self._save(channel, {"since": now.isoformat(), "error": str(error)[:300], "announced": False})
                return
            since = datetime.fromisoformat(record["since"])
            if record["announced"] or now - since < self.threshold:
                return
            record = dict(record, error=str(error)[:300], announced=True)
            minutes = int((now - since).total_seconds() // 60)
            log.error("outage: %s has been unavailable since %s UTC (%d min): %s", channel, record["since"],
                      minutes, record["error"])
            text = (f"⚠️ {name_of(channel)}接口自 {local(self.bot.clock, since)} 起无法访问，已持续 {minutes} 分钟"
                    f"（{record['error']}）。待发的消息都已保留，接口恢复后会自动补发，"
                    f"最长重试 {self.bot.config.delivery_retry_hours} 小时。")
            self._save(channel, record, tell=("start", text))

    def succeeded(self, channel):
        """A send on ``channel`` went through: an outage it was in has ended."""
        with self._lock:
            record = self._record(channel)
            if record is None:
                return
            now = self.bot.clock.wall_utcnow()
            since = datetime.fromisoformat(record["since"])
            if not record["announced"] and now - since < self.threshold:
                self._save(channel, None)       # a short failure, not an outage
                return
            minutes = int((now - since).total_seconds() // 60)
            log.warning("outage over: %s is available again after %d min (since %s UTC)", channel, minutes,
                        record["since"])
            text = (f"✅ {name_of(channel)}接口已恢复（{local(self.bot.clock, since)} 至 {local(self.bot.clock, now)}，中断约 {minutes} 分钟），"
                    "积压的消息正在补发。")
            self._save(channel, None, tell=("end", text), key=record["since"])

    # -- steps -----------------------------------------------------------------------------------
    def _record(self, channel):
        record = self._known.get(channel, _UNKNOWN)
        if record is _UNKNOWN:
            with self.bot.db.session() as session:
                record = self._known[channel] = outages.get(session, channel)
        return record

    def _save(self, channel, record, tell=None, key=None):
        """Write the record (None: the outage ended) and, with ``tell`` ((kind, text)), queue the
        admins' message in the same transaction."""
        with self.bot.db.transaction() as session:
            if record is None:
                outages.remove(session, channel)
            else:
                outages.put(session, channel, record)
            if tell is not None:
                self._tell_admins(session, channel, key or record["since"], *tell)
        self._known[channel] = record

    def _tell_admins(self, session, channel, since, kind, text):
        """Every admin, on the messengers they use other than ``channel`` (configured ones), else
        on ``channel`` itself: the message waits there until the API is back."""
        usable = {name for name in self.bot.channels
                  if name != channel and (name != "web" or self.bot.config.try_enabled)}
        admins = session.scalars(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                                 .where(PersonRole.role == "admin").order_by(Person.id)).all()
        for admin in admins:
            accounts = session.execute(select(Account.channel, Account.external_id)
                                       .where(Account.person_id == admin.id).order_by(Account.id)).all()
            others = [(c, ext) for c, ext in accounts if c in usable]
            for account_channel, external_id in others or [(c, ext) for c, ext in accounts if c == channel]:
                enqueue(session, account_channel, external_id, Outgoing(text=text),
                        dedupe_key=f"outage:{channel}:{since}:{kind}:{admin.id}|{account_channel}"[:255],
                        notice="outage")


def current(session, config, now):
    """{channel: what /healthz shows} for every outage longer than BOT_OUTAGE_MINUTES (``now``: the wall
    clock, naive UTC)."""
    found = {}
    for channel, record in outages.every(session).items():
        since = datetime.fromisoformat(record["since"])
        if now - since >= timedelta(minutes=config.outage_minutes):
            found[channel] = {"status": "unavailable", "since": record["since"] + "Z",
                              "minutes": int((now - since).total_seconds() // 60), "error": record.get("error", "")}
    return found
