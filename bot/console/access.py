"""Who is looking at the console: the signed-in session's Actor on every request (roles read afresh,
so a revoked role or an unbound account counts at once), the client address through
BOT_TRUSTED_PROXIES, CSRF on every unsafe request, and refusals as a 403 page with an audit row."""
import uuid
from functools import wraps

from flask import g, redirect, request, session as cookie
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select

from bot.console import sessions
from bot.console.render import render
from bot.errors import UserError
from handlers.policy import Do, Forbidden, require
from storage import audit
from storage.actor import Actor
from storage.console import ConsoleAdmin
from storage.models import Account, Person

COOKIE_KEY = "console"
csrf = CSRFProtect()
OPEN_ENDPOINTS = {"console.static"}     # plus every view marked ``public``
SIGNIN = "/console/login"


def install(app, bp, bot):
    """Wire the console into ``app``: cookie settings, CSRF (checked by the console only: the
    messengers' callbacks carry signatures instead), the viewer before every console request."""
    config = bot.config
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=config.public_url.startswith("https://"),
                      SESSION_COOKIE_NAME="studio_console", WTF_CSRF_CHECK_DEFAULT=False,
                      WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=False)
    csrf.init_app(app)

    @bp.before_request
    def viewer():
        g.bot = bot
        g.ip = client_ip(config)
        g.viewer = g.via = None
        g.request_id = uuid.uuid4().hex[:16]
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        if request.endpoint not in OPEN_ENDPOINTS:
            load_viewer(bot)

    @bp.errorhandler(Forbidden)
    def forbidden(exc):
        refuse(str(exc))
        return render("console/message.html", block="message", status=403, title="无权访问", message=str(exc))

    @bp.errorhandler(UserError)
    def bad_input(exc):
        return render("console/message.html", block="message", status=400, title="无法完成", message=str(exc))

    @bp.errorhandler(CSRFError)
    def csrf_refused(exc):
        refuse("CSRF 校验失败：" + str(exc.description))
        return render("console/message.html", block="message", status=400, title="页面已过期",
                      message="页面已过期或来源不明，请刷新页面后重试。")


def client_ip(config):
    """The client's address: the socket's, or with N trusted proxies the N-th from the right of X-Forwarded-For."""
    address = request.remote_addr or ""
    if config.trusted_proxies:
        hops = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(hops) >= config.trusted_proxies:
            address = hops[-config.trusted_proxies]
    return address[:64]


def load_viewer(bot):
    """Set ``g.viewer`` (an Actor on channel "console") from the cookie's session, or leave None."""
    token = cookie.get(COOKIE_KEY)
    if not token:
        return
    now = bot.clock.wall_utcnow()
    with bot.db.reading() as session:
        row, stale = sessions.find(session, token, now, bot.config)
        person = session.get(Person, row.person_id) if row is not None else None
        if person is not None and not _still_bound(session, row, person):
            person = None
        actor = Actor.of_person(person, "console", request_id=g.request_id, ip=g.ip) if person else None
        found, row_id, via = row is not None, row and row.id, row and row.via
    if found and (actor is None or stale):
        with bot.db.transaction() as session:
            if actor is None:
                sessions.end(session, token, now)
            else:
                sessions.touch(session, row_id, now)
    if actor is None:
        cookie.pop(COOKIE_KEY, None)
        return
    g.viewer, g.via = actor, via


def _still_bound(session, row, person):
    """The account the session signed in with still belongs to the person (else it ends)."""
    channel, _, external = row.account.partition(":")
    if channel == "password":
        return session.scalar(select(ConsoleAdmin.id).where(ConsoleAdmin.login == external,
                                                            ConsoleAdmin.person_id == person.id)) is not None
    return session.scalar(select(Account.person_id).where(Account.channel == channel,
                                                          Account.external_id == external)) == person.id


def sign_in(bot, person, via, account):
    """Start a session for ``person`` (already checked by the sign-in flow) and audit it."""
    now = bot.clock.wall_utcnow()
    with bot.db.transaction() as session:
        token = sessions.start(session, person.id, via, account, g.ip, now)
        actor = Actor.of_person(person, "console", request_id=g.request_id, ip=g.ip)
        audit.record(session, actor, "console.signin", at=bot.clock.utcnow(), object_type="person",
                     object_id=person.id, unit_id=person.unit_id, key=via, detail=account)
    csrf_secret = cookie.get("csrf_token")     # the page's token stays valid (tests/support/console.py relies on it)
    cookie.clear()                              # anything else from before the sign-in goes
    if csrf_secret:
        cookie["csrf_token"] = csrf_secret
    cookie[COOKIE_KEY] = token
    cookie.permanent = False


def sign_out(bot):
    token = cookie.get(COOKIE_KEY)
    with bot.db.transaction() as session:
        sessions.end(session, token, bot.clock.wall_utcnow())
        if g.viewer is not None:
            audit.record(session, g.viewer, "console.signout", at=bot.clock.utcnow(), object_type="person",
                         object_id=g.viewer.person_id)
    cookie.clear()


def refuse(reason, **fields):
    """Audit a refusal (a 403, a CSRF failure, a foreign sign-in) with the viewer, address and path."""
    actor = g.get("viewer") or Actor(None, "", frozenset(), channel="console",
                                     request_id=g.get("request_id", ""), ip=g.get("ip", ""))
    bot = g.bot
    with bot.db.transaction() as session:
        audit.record(session, actor, "console.refused", at=bot.clock.utcnow(), result="refused",
                     object_type=fields.pop("object_type", "page"), object_id=fields.pop("object_id", ""),
                     key=request.path[:100], detail=reason, **fields)


def page(do=Do.CONSOLE, what=None):
    """A console view: signed in (else to the sign-in page) and allowed ``do`` by the policy
    (else ``Forbidden``: the 403 page, audited)."""
    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if g.viewer is None:
                return to_signin()
            require(g.viewer, Do.CONSOLE, "管理后台")
            require(g.viewer, do, what)
            return view(*args, **kwargs)
        return inner
    return wrap


def public(view):
    """A view anyone may open (sign-in pages): no session needed."""
    OPEN_ENDPOINTS.add("console." + view.__name__)
    return view


def to_signin():
    target = SIGNIN
    if request.method == "GET" and request.path != SIGNIN:
        target += "?next=" + _safe_next(request.full_path)
    if request.headers.get("HX-Request"):
        return "", 200, {"HX-Redirect": target}
    return redirect(target)


def _safe_next(path):
    """Only a path inside the console comes back after sign-in (never another site)."""
    from urllib.parse import quote
    path = path.rstrip("?")
    return quote(path if path.startswith("/console/") and not path.startswith("//") else "/console/", safe="/")


def next_path():
    """Where to go after signing in: the ``next`` parameter when it stays inside the console."""
    path = request.values.get("next", "")
    return path if path.startswith("/console/") and "//" not in path and "\\" not in path else "/console/"
