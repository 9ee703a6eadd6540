"""The break-glass administrator: created at the command line with a password (argon2id,
argon2-cffi) and a TOTP secret (pyotp, sealed at rest with a key derived from BOT_SECRET_KEY), signs
in on the sign-in page with login + password + 6-digit code. Failed attempts are counted per login
and per client address; after BOT_CONSOLE_LOCK_FAILURES both are locked BOT_CONSOLE_LOCK_MINUTES
(a locked attempt is refused even with the right password) until the time passes or the CLI unlocks.

Used by the sign-in view (bot/console/signin.py) and the CLI (bot/cli/console.py); times are the
wall clock's naive UTC."""
import base64
import calendar
import json
import os
import re
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage import cache
from storage.console import ConsoleAdmin, ConsoleLock
from storage.models import Person, PersonRole

HASHER = PasswordHasher()                  # argon2id with the library's current defaults
LOGIN_RE = re.compile(r"[a-z][a-z0-9._-]{2,59}")
MIN_PASSWORD = 12
ISSUER = "创新工作室管理后台"
SEALED = "v1:"
TOTP_USED = "console-totp:"               # cache key: the last accepted time step of a login (no replay)
_DUMMY_HASH = HASHER.hash("not-a-password-of-anyone")


class AdminProblem(Exception):
    """Why an administrator cannot be created (Chinese, for the command line)."""


# -- the TOTP secret at rest ---------------------------------------------------------------------

def _key(config):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"studio-console-totp",
                info=b"totp secret at rest").derive(config.secret_key.encode())


def seal(config, secret):
    nonce = os.urandom(12)
    sealed = AESGCM(_key(config)).encrypt(nonce, secret.encode(), b"console_admins.totp_secret")
    return SEALED + base64.b64encode(nonce + sealed).decode()


def unseal(config, text):
    """The TOTP secret; ValueError when BOT_SECRET_KEY changed since it was sealed."""
    if not text.startswith(SEALED):
        raise ValueError("unknown sealing")
    raw = base64.b64decode(text[len(SEALED):])
    try:
        return AESGCM(_key(config)).decrypt(raw[:12], raw[12:], b"console_admins.totp_secret").decode()
    except Exception as exc:      # InvalidTag: another key
        raise ValueError("cannot unseal the TOTP secret (BOT_SECRET_KEY changed?)") from exc


# -- creating ----------------------------------------------------------------------------------

def create(session, config, login, name, password, now):
    """A new administrator (a new Person with the admin role); returns (secret, provisioning URI),
    shown once. AdminProblem for a taken or malformed login, a short password, an empty name."""
    login = login.strip().lower()
    name = name.strip()
    if not LOGIN_RE.fullmatch(login):
        raise AdminProblem("登录名须为 3 到 60 个小写字母、数字或 . _ -，以字母开头")
    if not name or len(name) > 100:
        raise AdminProblem("请填写管理员姓名（不超过 100 字）")
    if len(password) < MIN_PASSWORD:
        raise AdminProblem(f"密码至少 {MIN_PASSWORD} 个字符")
    if session.scalar(select(ConsoleAdmin.id).where(ConsoleAdmin.login == login)) is not None:
        raise AdminProblem(f"登录名 {login} 已存在")
    person = Person(name=name, unit_id=None)
    person.roles.append(PersonRole(role="admin"))
    session.add(person)
    session.flush()
    secret = pyotp.random_base32()
    session.add(ConsoleAdmin(person_id=person.id, login=login, password_hash=HASHER.hash(password),
                             totp_secret=seal(config, secret), created_at=now))
    session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)
    return person, secret, uri


# -- signing in ---------------------------------------------------------------------------------

def lock_keys(login, ip):
    return [("login:" + (login or "").strip().lower())[:120], ("ip:" + (ip or ""))[:120]]


def locked(session, keys, now):
    """The keys among ``keys`` locked at ``now``."""
    rows = session.scalars(select(ConsoleLock).where(ConsoleLock.key.in_(keys))).all()
    return [row.key for row in rows if row.locked_until is not None and row.locked_until > now]


def attempt(session, config, login, password, code, ip, now):
    """One sign-in attempt: ("ok", person_id), ("locked", None) while the login or the address is
    locked (nothing checked), ("wrong", None), or ("locked_now", None) for the failure that locks;
    a wrong attempt counts against the login and the address, a right one clears both."""
    keys = lock_keys(login, ip)
    if locked(session, keys, now):
        return "locked", None
    login = (login or "").strip().lower()
    admin = session.scalar(select(ConsoleAdmin).where(ConsoleAdmin.login == login)) if login else None
    if admin is not None and _password_ok(admin, password or "") and _code_ok(session, config, admin, code, now):
        session.execute(delete(ConsoleLock).where(ConsoleLock.key.in_(keys)))
        return "ok", admin.person_id
    if admin is None:
        _password_ok(None, password or "")          # the same work for an unknown login
    now_locked = [_fail(session, config, key, now) for key in keys]
    return ("locked_now" if any(now_locked) else "wrong"), None


def _password_ok(admin, password):
    try:
        HASHER.verify(admin.password_hash if admin else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if admin is None:
        return False
    if HASHER.check_needs_rehash(admin.password_hash):
        admin.password_hash = HASHER.hash(password)
    return True


def _code_ok(session, config, admin, code, now):
    """The 6-digit code of the current 30-second step (or the one either side), each step once."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return False
    try:
        totp = pyotp.TOTP(unseal(config, admin.totp_secret))
    except ValueError:
        return False
    epoch = calendar.timegm(now.timetuple())
    step = totp.timecode(epoch)
    last = cache.get(session, TOTP_USED + admin.login, now)
    last = json.loads(last) if last else -1
    for candidate in (step - 1, step, step + 1):
        if candidate > last and pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
            cache.put(session, TOTP_USED + admin.login, json.dumps(candidate), now + timedelta(minutes=5))
            return True
    return False


def _fail(session, config, key, now):
    """Count a failure against ``key``; True when it is locked now."""
    window = timedelta(minutes=config.console_lock_minutes)
    row = session.get(ConsoleLock, key)
    if row is None:
        try:
            with session.begin_nested():          # a parallel failure may insert the same key first
                row = ConsoleLock(key=key, failures=0, first_at=now, locked_until=None)
                session.add(row)
        except IntegrityError:
            row = session.get(ConsoleLock, key, populate_existing=True)
    elif (row.locked_until is not None and row.locked_until <= now) or \
            (row.locked_until is None and now - row.first_at > window):
        row.failures, row.first_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= config.console_lock_failures:
        row.locked_until = now + window
    session.flush()
    return row.locked_until is not None and row.locked_until > now


def unlock(session, target):
    """Clear the failures and lock of a login or a client address; returns the keys cleared."""
    target = target.strip()
    keys = [("login:" + target.lower())[:120], ("ip:" + target)[:120]]
    rows = session.scalars(select(ConsoleLock).where(ConsoleLock.key.in_(keys))).all()
    for row in rows:
        session.delete(row)
    return [row.key for row in rows]
