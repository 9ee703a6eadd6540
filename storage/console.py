"""Tables of the office's console: server-side sign-in sessions, the break-glass administrators'
credentials, and the failed-sign-in locks (per account and per client address).

A session row is the only proof of a sign-in: the browser holds a random token whose SHA-256 is the
row's id, so a stolen database gives no usable cookie. Ending a session (sign-out, expiry, an
unbound account) sets ``ended_at``; rows are kept for the audit's sake.
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ConsoleSession(Base):
    """One sign-in: who, through what (wecom | dingtalk | password | demo), from where, since when."""
    __tablename__ = "console_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)        # sha256 hex of the cookie's token
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    via: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(160), default="")    # "wecom:<UserId>", "web:<try id>", "password:<login>"
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class ConsoleAdmin(Base):
    """A break-glass administrator (created by the CLI): a login, a password hash and a TOTP secret,
    bound to a Person with the admin role (so the policy and the audit see an ordinary actor)."""
    __tablename__ = "console_admins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    login: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str] = mapped_column(String(255))      # encrypted at rest (bot/crypto.py)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ConsoleLock(Base):
    """Failed sign-ins counted per key ("login:<name>" or "ip:<address>"); locked until ``locked_until``."""
    __tablename__ = "console_locks"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
