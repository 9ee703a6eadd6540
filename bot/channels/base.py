"""The Channel interface every messenger implements, and the registry of channels by name."""


class Channel:
    """One messenger. Subclasses set ``name`` and implement what their platform supports.

    - ``blueprint()``: the Flask routes that receive callbacks (verify, parse, ack);
    - ``push(recipient, payloads)``: deliver outbox payloads to one recipient (or a batch);
    - ``replies_via_outbox``: replies to a turn are delivered by the worker, not in the response.
    """
    name = ""
    replies_via_outbox = True
    max_batch = 1               # recipients one API call may carry for the same payload
    per_recipient_per_minute = None   # None = no limit of the platform

    def __init__(self, bot):
        self.bot = bot

    def blueprint(self):
        return None

    def push(self, recipients, payload):
        """Deliver ``payload`` (an Outgoing dict) to ``recipients`` (list of ids).

        Raise ``ChannelError`` on failure; return None when the platform accepted it, or a dict
        with ``invalid_recipients`` (never deliverable) / ``retry_recipients`` (try again later).
        """
        raise NotImplementedError

    def prepare(self, session, incoming):
        """In the turn, before its handler: channel work that must be in the same transaction
        (e.g. reserve a file for media the user sent and queue its download)."""

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
