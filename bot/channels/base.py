"""The Channel interface every messenger implements, the one push loop, and the registry of channels by name."""
import logging

from bot.errors import ChannelError

log = logging.getLogger("bot.channels")

GROUP_PREFIX = "group:"         # outbox recipients that are group robots (群机器人 / 自定义机器人)


class Channel:
    """One messenger. Subclasses set ``name`` and implement what their platform supports.

    - ``blueprint()``: the Flask routes that receive callbacks (verify, parse, ack);
    - ``push_users(users, payload, **options)`` and ``push_robot(webhook, secret, payload)``: one
      API send, called by the one ``push`` loop below;
    - ``replies_via_outbox``: replies to a turn are delivered by the worker, not in the response.
    """
    name = ""
    replies_via_outbox = True
    max_batch = 1               # recipients one API call may carry for the same payload
    per_recipient_per_minute = None   # None = no limit of the platform
    per_app_per_minute = None         # API calls a minute the whole app may make (None: no limit kept)
    merges_texts = False              # consecutive plain texts to one person may go as one message

    def __init__(self, bot, store):
        """``store`` (bot/channel_store.py) is the channel's only way to the database: caches,
        tokens, files users send, the try-out mailbox. A channel opens no session of its own."""
        self.bot, self.config, self.store = bot, bot.config, store

    # -- inbound (bot/webhook.py runs the turns) --------------------------------------------
    callback_path = None        # where the platform POSTs its callbacks; None: this channel receives none
    has_handshake = False       # a GET on callback_path proves the URL (WeCom's echostr)

    def handshake(self, inbound):
        """The body that answers the platform's URL check; raise ``Refused``."""
        raise NotImplementedError

    def parse_callback(self, inbound):
        """Verify one callback (a ``bot.webhook.Inbound``) and parse it: the ``Incoming`` messages
        it carries (none for what the assistant ignores); raise ``Refused`` for a forged, stale or
        malformed one. Runs before any turn and writes nothing but replay guards."""
        raise NotImplementedError

    def ack(self, results):
        """(status, content type, body) acknowledging the callback, given each turn's replies
        (None for a duplicate delivery)."""
        return 200, "application/json", b"{}"

    def blueprint(self):
        """Pages of the channel's own (the try-out chat), besides its callbacks."""
        return None

    def push(self, recipients, payload, **options):
        """Deliver ``payload`` (an Outgoing dict) to ``recipients`` (list of ids): the people in one
        ``push_users`` call, then each group robot.

        Raise ``ChannelError`` on failure of a single recipient; return None when the platform
        accepted everything, or a dict with ``invalid_recipients`` (never deliverable) /
        ``retry_recipients`` (try again later). A throttled robot among several is paused here.
        """
        users = list(dict.fromkeys(r for r in recipients if not r.startswith(GROUP_PREFIX)))
        groups = [r for r in recipients if r.startswith(GROUP_PREFIX)]
        invalid, retry = [], []
        if users:
            bad, later = self.push_users(users, payload, **options)
            invalid += bad
            retry += later
        for recipient in groups:
            try:
                if not self._push_group(recipient, payload):
                    invalid.append(recipient)
            except ChannelError as exc:
                if len(recipients) == 1:
                    raise
                log.warning("%s: group %s failed: %s", self.name, recipient, exc)
                if exc.code in self.pausing_codes and exc.delay:
                    self.store.pause(recipient, exc.delay)
                (retry if exc.retry else invalid).append(recipient)
        if invalid or retry:
            return {"invalid_recipients": sorted(set(invalid)), "retry_recipients": sorted(set(retry))}
        return None

    def push_users(self, users, payload, **options):
        """Send to people; returns (ids the platform calls invalid, ids to retry later)."""
        raise NotImplementedError

    def push_robot(self, webhook, secret, payload):
        """Post to one group robot."""
        raise NotImplementedError

    def _push_group(self, recipient, payload):
        """Post to the subscribed robot group ``group:<name>``; False when there is none."""
        name = recipient[len(GROUP_PREFIX):]
        robot = self.store.robot(name)
        if robot is None:
            log.warning("%s: no subscribed group robot named %r", self.name, name)
            return False
        self.push_robot(*robot, payload)
        return True

    def prepare(self, session, incoming):
        """In the turn, before its handler: channel work that must be in the same transaction
        (e.g. reserve a file for media the user sent and queue its download), done through the
        store with the turn's ``session``."""

    def reply_recipient(self, incoming, reply):
        """Who a reply to ``incoming`` is queued for: the sender, unless the channel says otherwise."""
        return incoming.user

    def after_turn(self, session, incoming, replies):
        """Hook for channel bookkeeping in the turn's transaction (e.g. card updates)."""

    # error codes after which a recipient (a robot) is paused for ChannelError.delay seconds
    pausing_codes = frozenset()

    def limit_per_minute(self, recipient):
        """Messages per minute the platform accepts for ``recipient``; None = unlimited."""
        return self.per_recipient_per_minute

    # True: ``push`` takes ``once=<key>`` (None, or a key stable across retries) for rows never
    # meant to repeat (a notice's dedupe key): the platform may drop an identical copy of them
    accepts_once = False

    def api_messages(self, recipient, payload):
        """How many platform messages ``push`` makes of ``payload`` for ``recipient`` (rate limits)."""
        return 1


class ChannelRegistry(dict):
    def add(self, channel):
        if channel.name in self:
            raise ValueError(f"channel {channel.name!r} registered twice")
        self[channel.name] = channel
        return channel
