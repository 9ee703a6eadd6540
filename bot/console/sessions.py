"""Console sign-in sessions, server side: start one for a person, find it by the cookie's token
(ended after BOT_CONSOLE_IDLE_MINUTES idle or BOT_CONSOLE_SESSION_HOURS in all), end it."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from storage.console import ConsoleSession

TOUCH_EVERY = timedelta(seconds=60)     # seen_at is written at most this often (a page view stays a read)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(session, person_id, via, account, ip, now):
    """A new session for ``person_id`` signed in ``via`` (wecom | dingtalk | password | demo) with
    ``account`` ("wecom:<UserId>" …, checked on every request); returns the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(id=_digest(token), person_id=person_id, via=via, account=account[:160],
                               ip=ip or "", created_at=now, seen_at=now))
    return token


def find(session, token, now, config):
    """The live session row of ``token`` (None: unknown, ended or expired), and whether seen_at is stale."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None, False
    row = session.get(ConsoleSession, _digest(token))
    if row is None or row.ended_at is not None:
        return None, False
    if now - row.seen_at > timedelta(minutes=config.console_idle_minutes) or \
            now - row.created_at > timedelta(hours=config.console_session_hours):
        return None, False
    return row, now - row.seen_at > TOUCH_EVERY


def touch(session, session_id, now):
    session.execute(update(ConsoleSession).where(ConsoleSession.id == session_id).values(seen_at=now))


def end(session, token, now):
    """End the session of ``token`` (sign-out); nothing when it is unknown."""
    if token and isinstance(token, str):
        session.execute(update(ConsoleSession).where(ConsoleSession.id == _digest(token),
                                                     ConsoleSession.ended_at.is_(None)).values(ended_at=now))


def end_all(session, person_id, now):
    """End every live session of a person (an account unbound, a role revoked by an admin)."""
    session.execute(update(ConsoleSession).where(ConsoleSession.person_id == person_id,
                                                 ConsoleSession.ended_at.is_(None)).values(ended_at=now))


def live(now, config):
    """The SELECT of the sessions alive at ``now`` (not ended, not idle, not past their length)."""
    return (select(ConsoleSession)
            .where(ConsoleSession.ended_at.is_(None),
                   ConsoleSession.seen_at >= now - timedelta(minutes=config.console_idle_minutes),
                   ConsoleSession.created_at >= now - timedelta(hours=config.console_session_hours))
            .order_by(ConsoleSession.seen_at.desc()))
