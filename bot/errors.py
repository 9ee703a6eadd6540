"""Error types shared across the assistant: what users see vs. what is logged.

Two kinds of failure, one boundary (see bot/router.py): a ``UserError`` is shown to
the user as written; anything else is logged with its traceback and answered with
one fixed apology.
"""


class UserError(Exception):
    """A refusal or problem the user caused; ``str(exc)`` is Chinese and shown as written."""


class InvalidInput(UserError):
    """An answer that could not be parsed or validated; the message says what is wrong
    and gives an example. The walker re-asks the same field and keeps every other answer."""


class SignatureError(Exception):
    """A callback whose signature, timestamp or sender does not verify (HTTP 403)."""


class DecryptError(Exception):
    """A callback body that cannot be decrypted, decoded or parsed (HTTP 400)."""


class Refused(Exception):
    """An inbound request refused before any turn: its HTTP status, the Chinese ``message`` the caller
    gets, and the ``reason`` logged (never shown)."""

    def __init__(self, status, message, reason=""):
        super().__init__(f"{status} {message}: {reason}")
        self.status, self.message, self.reason = status, message, reason


class ConfigError(Exception):
    """Configuration that cannot work; raised at start-up with a clear message."""


class ChannelError(Exception):
    """A messenger API call that failed; carries the platform's code.

    ``retry`` says whether trying again later can help (network, busy, rate limit);
    ``delay`` is the least number of seconds to wait before that retry.
    """

    def __init__(self, code, message="", *, retry=False, delay=0.0, fatal_config=False):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry = retry
        self.delay = delay
        self.fatal_config = fatal_config

    @property
    def unavailable(self):
        """The platform could not be reached or did not work (a timeout, a refused connection,
        HTTP 5xx, "system busy", an answer that is not JSON): what an outage is made of."""
        code = self.code
        return self.retry and (code in ("timeout", "network", "bad_response", -1)
                               or (isinstance(code, str) and code.startswith("http5")))


class GiveUp(Exception):
    """Raised by a worker task that can never succeed (e.g. media the messenger calls invalid):
    no retries, one log line."""
