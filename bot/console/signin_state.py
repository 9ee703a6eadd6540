"""The sign-in's ``state``: a random nonce bound to the browser's session cookie and kept server side
(the cache table) until its one use; it carries the messenger it was made for and the console page to
return to (never inside the redirect_uri: a ``#`` route or a second query breaks it)."""
import hmac
import json
import secrets
from datetime import timedelta

from flask import session as cookie

from storage import cache

COOKIE_KEY = "signin_state"
PREFIX = "console-state:"
TTL = timedelta(minutes=10)       # the messenger's code lives 5 minutes; the page before it a little more


def issue(bot, via, next_path):
    """A fresh nonce for a sign-in through ``via`` (wecom | dingtalk), remembered by this browser's cookie
    and by the database; [0-9a-f], 32 characters (WeCom takes [a-zA-Z0-9], at most 128 bytes)."""
    nonce = secrets.token_hex(16)
    now = bot.clock.wall_utcnow()
    with bot.db.transaction() as session:
        cache.prune(session, PREFIX, now)
        cache.put(session, PREFIX + nonce, json.dumps({"via": via, "next": next_path}), now + TTL)
    cookie[COOKIE_KEY] = nonce
    return nonce


def consume(bot, via, state):
    """The page to open after the sign-in when ``state`` is this browser's live nonce for ``via``;
    None otherwise. Either way the nonce is used up (a second callback with it is refused)."""
    expected = cookie.pop(COOKIE_KEY, None)
    if not isinstance(state, str) or not state or len(state) > 128:
        state = ""
    now = bot.clock.wall_utcnow()
    with bot.db.transaction() as session:
        value = cache.get(session, PREFIX + state, now) if state else None
        if state:
            cache.remove(session, PREFIX + state)
        if isinstance(expected, str) and expected != state:
            cache.remove(session, PREFIX + expected)
    if not isinstance(expected, str) or not state or not hmac.compare_digest(expected, state) or value is None:
        return None
    data = json.loads(value)
    return data["next"] if data.get("via") == via else None
