"""Signing in and out of the console: the sign-in page (the messengers' buttons, the break-glass
administrator's form; with the try-out page on, the demo identities as /try offers them), the
WeCom and DingTalk flows (bot/console/signin_wecom.py, signin_dingtalk.py: a ``state`` nonce bound
to the browser, a code used once, the account mapped to the person and roles the assistant holds),
the administrator's password + TOTP (signin_admin.py), sign-out, and the page for a messenger user
the assistant holds no role for (being in the app's 可见范围 grants nothing; only a binding does)."""
import logging

from flask import abort, g, redirect, request
from sqlalchemy import select

from bot.console import access, signin_admin, signin_dingtalk, signin_state, signin_wecom
from bot.console.render import render
from bot.errors import ChannelError
from handlers.policy import Do
from storage.models import ROLES, Account, Person
from storage.people import resolve_person

log = logging.getLogger("bot.console.signin")
ADMIN_REFUSALS = {"wrong": "管理员登录失败", "locked_now": "管理员登录失败，账号和地址已锁定",
                  "locked": "已锁定，管理员登录被拒绝"}


def register(bp, bot):
    config = bot.config

    @bp.get("/login")
    @access.public
    def login():
        if g.viewer is not None:
            return redirect(access.next_path())
        return login_page(bot)

    @bp.post("/login/demo")
    @access.public
    def login_demo():
        if not config.try_enabled:
            abort(404)
        try_id = request.form.get("who", "")
        with bot.db.reading() as session:
            person = session.scalar(select(Person).join(Account, Account.person_id == Person.id)
                                    .where(Account.channel == "web", Account.external_id == try_id))
            if person is not None:
                session.expunge(person)
        if person is None:
            access.refuse("演示身份不存在", object_type="signin", object_id=try_id[:64])
            return render("console/message.html", status=403, title="无法登录", message="没有这个演示身份。")
        if not person.role_names:
            return no_role()
        access.sign_in(bot, person, "demo", f"web:{try_id}")
        return redirect(access.next_path())

    # -- WeCom ----------------------------------------------------------------------------------
    @bp.get("/login/wecom")
    @access.public
    def login_wecom():
        if "wecom" not in bot.channels:
            abort(404)
        client = _in_client(signin_wecom.in_client)
        state = signin_state.issue(bot, "wecom", access.next_path())
        return redirect(signin_wecom.start_url(config, _callback(signin_wecom.CALLBACK), state, client))

    @bp.get("/login/wecom/callback")
    @access.public
    def login_wecom_callback():
        return _exchange(bot, "wecom", request.args.get("state"),
                         lambda: signin_wecom.userid_of(bot, request.args.get("code", "")))

    # -- DingTalk -------------------------------------------------------------------------------
    @bp.get("/login/dingtalk")
    @access.public
    def login_dingtalk():
        if "dingtalk" not in bot.channels:
            abort(404)
        client = _in_client(signin_dingtalk.in_client)
        state = signin_state.issue(bot, "dingtalk", access.next_path())
        if client:
            return render("console/login_dingtalk.html", state=state, corp_id=config.dingtalk_corp_id,
                          client_id=config.dingtalk_app_key)
        if not config.dingtalk_corp_id:
            return render("console/message.html", status=503, title="暂不能用钉钉登录",
                          message="服务器未设置 DINGTALK_CORP_ID，不能在浏览器中用钉钉登录。请联系系统管理员。")
        return redirect(signin_dingtalk.login_url(config, _callback(signin_dingtalk.CALLBACK), state))

    @bp.post("/login/dingtalk/code")
    @access.public
    def login_dingtalk_code():
        """The in-client page posts the JSAPI's code here (with the state and the CSRF token)."""
        return _exchange(bot, "dingtalk", request.form.get("state"),
                         lambda: signin_dingtalk.userid_of_code(bot, request.form.get("code", "")))

    @bp.get("/login/dingtalk/callback")
    @access.public
    def login_dingtalk_callback():
        if request.args.get("error"):
            denied = render("console/message.html", status=403, title="未能登录",
                            message="钉钉未授权本次登录，请重新登录。")
            return _exchange(bot, "dingtalk", request.args.get("state"), None, denied=denied)
        return _exchange(bot, "dingtalk", request.args.get("state"),
                         lambda: signin_dingtalk.userid_of_auth_code(bot, request.args.get("authCode", "")))

    # -- the break-glass administrator ---------------------------------------------------------
    @bp.post("/login/password")
    @access.public
    def login_password():
        login = request.form.get("login", "")[:60]
        now = bot.clock.wall_utcnow()
        with bot.db.transaction() as session:
            outcome, person_id = signin_admin.attempt(session, config, login, request.form.get("password", "")[:200],
                                                      request.form.get("totp", "")[:10], g.ip, now)
        if outcome != "ok":
            access.refuse(ADMIN_REFUSALS[outcome], object_type="signin",
                          object_id=f"password:{login.strip().lower()}"[:64])
            message = "登录名、密码或动态验证码不正确。" if outcome == "wrong" else \
                (f"登录失败次数过多，该账号和当前网络地址已锁定 {config.console_lock_minutes} 分钟。"
                 "如需提前解锁，请联系系统管理员。")
            return login_page(bot, status=400 if outcome == "wrong" else 403, error=message)
        with bot.db.reading() as session:
            person = session.get(Person, person_id)
            session.expunge(person)
        access.sign_in(bot, person, "password", f"password:{login.strip().lower()}")
        return redirect(access.next_path())

    @bp.post("/logout")
    @access.page(Do.CONSOLE, "退出")
    def logout():
        access.sign_out(bot)
        return redirect(access.SIGNIN)


def login_page(bot, status=200, error=None):
    return render("console/login.html", status=status, error=error, demo=_demo_identities(bot),
                  next=access.next_path(), methods=signin_methods(bot),
                  lock_failures=bot.config.console_lock_failures)


def finish(bot, channel, userid, target):
    """Sign in the person bound to ``channel``:``userid`` when they hold a role; anyone else (in the
    app's 可见范围 or not) gets the 尚未开通 page and no session."""
    account = f"{channel}:{userid}"
    with bot.db.reading() as session:
        person = resolve_person(session, channel, userid)
        if person is not None:
            session.expunge(person)
    if person is None or not person.role_names:
        access.refuse("账号未绑定或没有角色", object_type="signin", object_id=account[:64])
        return no_role()
    access.sign_in(bot, person, channel, account)
    return redirect(target)


def _callback(path):
    """The redirect_uri: BOT_PUBLIC_URL (what the 可信域名 / 回调域名 names), else this request's host."""
    base = (g.bot.config.public_url or request.host_url).rstrip("/")
    return base + path


def _stale_state(channel):
    access.refuse("登录 state 不符或已使用", object_type="signin", object_id=channel)
    return render("console/message.html", status=403, title="登录已失效",
                  message="登录请求已失效或不是从本页面发起的，请回到登录页重新登录。")


def _code_refused(channel, reason):
    access.refuse("授权码被拒绝：" + reason, object_type="signin", object_id=channel)
    return render("console/message.html", status=403, title="未能登录",
                  message="授权码无效、已过期或已使用，请回到登录页重新登录。")


def _unreachable(platform, exc):
    log.warning("console sign-in: %s exchange failed: %s", platform, exc)
    return render("console/message.html", status=502, title="暂时无法登录",
                  message=f"暂时无法连接{platform}完成登录，请稍后重试。")


LABELS = {"wecom": "企业微信", "dingtalk": "钉钉"}


def _in_client(detect):
    """Inside the messenger's client (``?mode=client``, else its User-Agent) or in a browser (``?mode=browser``)."""
    mode = request.args.get("mode", "")
    return mode == "client" or (mode != "browser" and detect(request.user_agent.string))


def _exchange(bot, channel, state, resolve, denied=None):
    """A messenger's answer to a sign-in: the state checked and used up, then the code exchanged for
    the user id (``resolve``) and the session started; ``denied``: the messenger said no (the state
    is used up all the same)."""
    if channel not in bot.channels:
        abort(404)
    target = signin_state.consume(bot, channel, state)
    if target is None:
        return _stale_state(channel)
    if denied is not None:
        return denied
    try:
        userid = resolve()
    except signin_dingtalk.ForeignCorp as exc:
        access.refuse("其他组织的钉钉账号登录", object_type="signin", object_id=f"corp:{exc.corp_id}"[:64])
        return render("console/message.html", status=403, title="无法登录",
                      message="您登录的不是本单位的钉钉组织，请切换到本单位组织后重新登录。")
    except (signin_wecom.CodeRefused, signin_dingtalk.CodeRefused) as exc:
        return _code_refused(channel, str(exc))
    except ChannelError as exc:
        return _unreachable(LABELS[channel], exc)
    return finish(bot, channel, userid, target)


def no_role():
    """A messenger user with no role in the assistant: a clear page, never an empty console."""
    return render("console/message.html", status=403, title="尚未开通",
                  message="您的账号尚未绑定到工作室或工会的角色，暂时不能使用管理后台。"
                          "请联系本单位工会或集团工会办公室为您开通。")


def signin_methods(bot):
    """The messengers' sign-in buttons this deployment offers: [(label, path)]."""
    methods = []
    if "wecom" in bot.channels:
        methods.append(("企业微信登录", "/console/login/wecom"))
    if "dingtalk" in bot.channels:
        methods.append(("钉钉登录", "/console/login/dingtalk"))
    return methods


def _demo_identities(bot):
    if not bot.config.try_enabled:
        return []
    with bot.db.reading() as session:
        rows = session.execute(select(Account.external_id, Person.name, Person.id)
                               .join(Person, Person.id == Account.person_id)
                               .where(Account.channel == "web").order_by(Person.id)).all()
        roles = {p.id: p.role_names for p in session.scalars(select(Person).where(
            Person.id.in_([r.id for r in rows])))}
    return [(try_id, name, "、".join(ROLES.get(r, r) for r in sorted(roles.get(pid, ()))))
            for try_id, name, pid in rows]
