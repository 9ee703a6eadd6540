"""Signing in to the console: WeCom (in the client and in a PC browser) and DingTalk (in the client
and in a browser) through the loopback fakes, the break-glass administrator (CLI, password + TOTP,
locks), the state nonce, single-use codes, a foreign organisation, unbound users, sessions that
expire, cookie flags, the client address behind proxies, CSRF; and one real Chromium run of each
messenger flow landing on /console/."""
import calendar
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select

from bot.app import create_app
from bot.cli import cli
from storage.console import ConsoleAdmin, ConsoleLock, ConsoleSession
from storage.models import AuditEntry, Person
from storage.people import bind, set_roles, unbind
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.wecom import FakeWeCom
from tests.live import LiveServer
from tests.support.clock import clock
from tests.support.console import csrf_of, signed_in_client
from tests.support.wecom import AES_KEY, AGENT, CORP, SECRET, TOKEN

WX_USER = "lixiuying"          # 李秀英, the demo's unit union, bound on both messengers
DD_USER = "dd-lixiuying"
WXWORK_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/108.0 Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light")
DINGTALK_UA = ("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0 "
               "Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/36102327 Channel/700159")


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def wx_fake():
    with FakeWeCom(corp_id=CORP, secret=SECRET, agent_id=int(AGENT)) as server:
        yield server


@pytest.fixture
def dd_fake():
    with FakeDingTalk() as server:
        yield server


@pytest.fixture
def make_sbot(make_bot, wx_fake, dd_fake):
    """A bot with both messengers pointed at the fakes; 李秀英 bound on both."""
    def factory(**overrides):
        values = dict(wecom_corp_id=CORP, wecom_agent_id=AGENT, wecom_secret=SECRET, wecom_token=TOKEN,
                      wecom_aes_key=AES_KEY, wecom_api_base=wx_fake.base_url, wecom_oauth_base=wx_fake.base_url,
                      wecom_login_base=wx_fake.base_url, dingtalk_app_key=dd_fake.app_key,
                      dingtalk_app_secret=dd_fake.app_secret, dingtalk_api_base=dd_fake.base_url,
                      dingtalk_oapi_base=dd_fake.base_url, dingtalk_login_base=dd_fake.base_url,
                      dingtalk_corp_id=dd_fake.corp_id)
        values.update(overrides)
        bot = make_bot(**values)
        with bot.db.transaction() as session:
            person = _person(session, "李秀英")
            bind(session, person, "wecom", WX_USER)
            bind(session, person, "dingtalk", DD_USER)
        return bot
    return factory


@pytest.fixture
def sbot(make_sbot):
    return make_sbot()


@pytest.fixture
def web(sbot):
    return create_app(sbot.config, bot=sbot).test_client()


def _person(session, name):
    return session.scalar(select(Person).where(Person.name == name))


def _location(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def _through(fake_url):
    """What the messenger's page does: redirect back to the redirect_uri (the fragment stays in the browser)."""
    answer = requests.get(fake_url.split("#", 1)[0], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return back.path + "?" + back.query


def _signed_in(client):
    """The console's board opens (200) rather than sending the browser to the sign-in page."""
    response = client.get("/console/")
    return response.status_code == 200 and "退出" in response.get_data(as_text=True)


def _refusals(bot, detail_part=""):
    with bot.db.reading() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "console.refused")).all()
        return [(row.detail, row.object_id, row.ip) for row in rows if detail_part in row.detail]


def _sessions(bot):
    with bot.db.reading() as session:
        return [(row.via, row.account, row.ip, row.ended_at) for row in session.scalars(select(ConsoleSession))]


def _wecom_callback(web, wx_fake, user=WX_USER, ua=WXWORK_UA, query=""):
    wx_fake.login_as(user)
    start = _location(web.get("/console/login/wecom" + query, headers={"User-Agent": ua}))
    return _through(start)


# -- WeCom ---------------------------------------------------------------------------------------

def test_wecom_redirects_encode_the_redirect_uri_once_with_a_nonce(web):
    inside = _location(web.get("/console/login/wecom", headers={"User-Agent": WXWORK_UA}))
    assert inside.endswith("#wechat_redirect")
    parts = urlsplit(inside)
    assert parts.path == "/connect/oauth2/authorize"
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fconsole%2Flogin%2Fwecom%2Fcallback&" in parts.query
    assert "%25" not in parts.query                              # never encoded twice
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["redirect_uri"] == "http://127.0.0.1:8000/console/login/wecom/callback"
    assert (query["appid"], query["scope"], query["response_type"], query["agentid"]) == \
        (CORP, "snsapi_base", "code", AGENT)
    assert re.fullmatch(r"[0-9a-f]{32}", query["state"])

    outside = _location(web.get("/console/login/wecom", headers={"User-Agent": "Mozilla/5.0 Chrome/120"}))
    parts = urlsplit(outside)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert parts.path == "/wwlogin/sso/login" and query["login_type"] == "CorpApp"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/console/login/wecom/callback"
    assert "%25" not in parts.query


def test_wecom_sign_in_in_the_client_and_on_a_pc_lands_on_the_console(sbot, web, wx_fake):
    callback = _wecom_callback(web, wx_fake, query="?next=/console/audit")
    response = web.get(callback)
    assert _location(response).endswith("/console/audit")
    assert _signed_in(web)
    web.post("/console/logout", data={"csrf_token": csrf_of(web.get("/console/").get_data(as_text=True))})
    assert not _signed_in(web)

    callback = _wecom_callback(web, wx_fake, ua="Mozilla/5.0 Chrome/120", query="?next=//evil.example/x")
    assert _location(web.get(callback)).endswith("/console/")       # an outside next is not followed
    assert _signed_in(web)
    vias = [(via, account, ended is None) for via, account, _, ended in _sessions(sbot)]
    assert vias == [("wecom", "wecom:" + WX_USER, False), ("wecom", "wecom:" + WX_USER, True)]
    with sbot.db.reading() as session:
        signins = session.scalars(select(AuditEntry).where(AuditEntry.action == "console.signin")).all()
        assert [(row.actor, row.key) for row in signins] == [("李秀英", "wecom")] * 2


def test_wecom_wrong_state_is_refused_and_starts_no_session(sbot, web, wx_fake):
    callback = _wecom_callback(web, wx_fake)
    forged = re.sub(r"state=[0-9a-f]+", "state=" + "0" * 32, callback)
    response = web.get(forged)
    assert response.status_code == 403 and "登录已失效" in response.get_data(as_text=True)
    assert not _signed_in(web) and _sessions(sbot) == []
    assert _refusals(sbot, "state")
    # the right state was used up by the refused attempt: the genuine callback fails too
    assert web.get(callback).status_code == 403 and not _signed_in(web)
    # a callback in another browser (no nonce in its cookie) is refused
    other = create_app(sbot.config, bot=sbot).test_client()
    assert other.get(_wecom_callback(web, wx_fake)).status_code == 403


def test_wecom_code_is_used_once_and_lives_five_minutes(sbot, web, wx_fake):
    callback = _wecom_callback(web, wx_fake)
    old_code = parse_qs(urlsplit(callback).query)["code"][0]
    assert _location(web.get(callback)).endswith("/console/")
    web.post("/console/logout", data={"csrf_token": csrf_of(web.get("/console/").get_data(as_text=True))})

    fresh = _wecom_callback(web, wx_fake)                   # a new nonce, then the OLD code with it
    replay = re.sub(r"code=[^&]+", "code=" + old_code, fresh)
    response = web.get(replay)
    assert response.status_code == 403 and "授权码无效" in response.get_data(as_text=True)
    assert not _signed_in(web)
    assert _refusals(sbot, "授权码被拒绝")

    late = _wecom_callback(web, wx_fake)
    wx_fake.advance(301)
    assert web.get(late).status_code == 403 and not _signed_in(web)


def test_a_messenger_that_does_not_answer_gives_a_retry_page_and_no_session(sbot, web, wx_fake):
    callback = _wecom_callback(web, wx_fake)
    wx_fake.down()
    response = web.get(callback)
    assert response.status_code == 502 and "暂时无法连接企业微信" in response.get_data(as_text=True)
    wx_fake.down(False)
    assert not _signed_in(web) and _sessions(sbot) == []


def test_unbound_or_roleless_messenger_users_get_the_not_open_page(sbot, web, wx_fake):
    # a member of the corp (so inside the app's 可见范围: WeCom gives a userid) bound to nobody
    response = web.get(_wecom_callback(web, wx_fake, user="zhangsan"))
    text = response.get_data(as_text=True)
    assert response.status_code == 403 and "尚未开通" in text and "退出" not in text
    assert not _signed_in(web) and _sessions(sbot) == []
    assert _refusals(sbot, "未绑定")[0][1] == "wecom:zhangsan"
    # bound, but no role
    with sbot.db.transaction() as session:
        nobody = Person(name="周七", unit_id=_person(session, "李秀英").unit_id)
        session.add(nobody)
        session.flush()
        bind(session, nobody, "wecom", "zhouqi")
    response = web.get(_wecom_callback(web, wx_fake, user="zhouqi"))
    assert response.status_code == 403 and "尚未开通" in response.get_data(as_text=True)
    # a WeChat user outside the corp gets no userid at all
    wx_fake.login_as("outsider", member=False)
    start = _location(web.get("/console/login/wecom", headers={"User-Agent": WXWORK_UA}))
    assert web.get(_through(start)).status_code == 403 and not _signed_in(web)


def test_a_revoked_role_or_an_unbound_account_counts_on_the_next_request(sbot, web, wx_fake):
    web.get(_wecom_callback(web, wx_fake))
    assert _signed_in(web)
    with sbot.db.transaction() as session:
        set_roles(_person(session, "李秀英"), [])
    response = web.get("/console/")
    assert response.status_code == 403
    with sbot.db.transaction() as session:
        set_roles(_person(session, "李秀英"), ["union"])
    assert _signed_in(web)
    with sbot.db.transaction() as session:
        unbind(session, "wecom", WX_USER)
    response = web.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert [ended is not None for *_, ended in _sessions(sbot)] == [True]     # the session ended
    with sbot.db.transaction() as session:
        bind(session, _person(session, "李秀英"), "wecom", WX_USER)
    assert not _signed_in(web)                                                 # it stays ended


# -- DingTalk ------------------------------------------------------------------------------------

def _dingtalk_page(web):
    response = web.get("/console/login/dingtalk", headers={"User-Agent": DINGTALK_UA})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "dingtalk.jsapi.min.js" in html
    return csrf_of(html), re.search(r'name="state" value="([0-9a-f]+)"', html).group(1)


def test_dingtalk_in_the_client_posts_the_jsapi_code(sbot, web, dd_fake):
    token, state = _dingtalk_page(web)
    code = dd_fake.issue_auth_code(DD_USER)
    response = web.post("/console/login/dingtalk/code", data={"csrf_token": token, "state": state, "code": code})
    assert _location(response).endswith("/console/")
    assert _signed_in(web)
    assert [account for _, account, *_ in _sessions(sbot)] == ["dingtalk:" + DD_USER]
    assert dd_fake.requests_to("/topapi/v2/user/getuserinfo")[0]["json"] == {"code": code}

    web.post("/console/logout", data={"csrf_token": csrf_of(web.get("/console/").get_data(as_text=True))})
    token, state = _dingtalk_page(web)                     # the same code again: refused
    response = web.post("/console/login/dingtalk/code", data={"csrf_token": token, "state": state, "code": code})
    assert response.status_code == 403 and not _signed_in(web)
    # no CSRF token: 400, nothing exchanged, no session
    token, state = _dingtalk_page(web)
    calls = len(dd_fake.requests_to("/topapi/v2/user/getuserinfo"))
    response = web.post("/console/login/dingtalk/code",
                        data={"state": state, "code": dd_fake.issue_auth_code(DD_USER)})
    assert response.status_code == 400 and not _signed_in(web)
    assert len(dd_fake.requests_to("/topapi/v2/user/getuserinfo")) == calls


def test_dingtalk_in_a_browser_and_a_foreign_organisation(sbot, web, dd_fake):
    dd_fake.login_as(DD_USER)
    start = _location(web.get("/console/login/dingtalk?next=/console/ledgers"))
    parts = urlsplit(start)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert parts.path == "/oauth2/auth" and "%25" not in parts.query
    assert query["redirect_uri"] == "http://127.0.0.1:8000/console/login/dingtalk/callback"
    assert (query["client_id"], query["response_type"], query["prompt"]) == (dd_fake.app_key, "code", "consent")
    assert "openid" in query["scope"].split()
    callback = _through(start)
    assert "authCode=" in callback
    assert _location(web.get(callback)).endswith("/console/ledgers")
    assert _signed_in(web)
    body = dd_fake.requests_to("/v1.0/oauth2/userAccessToken")[0]["json"]
    assert body["grantType"] == "authorization_code" and body["clientId"] == dd_fake.app_key
    assert web.get(callback).status_code == 403                    # the same callback again: state used

    web.post("/console/logout", data={"csrf_token": csrf_of(web.get("/console/").get_data(as_text=True))})
    dd_fake.login_as(DD_USER, corp_id="dingothercorp")
    response = web.get(_through(_location(web.get("/console/login/dingtalk"))))
    assert response.status_code == 403 and "不是本单位的钉钉组织" in response.get_data(as_text=True)
    assert not _signed_in(web)
    assert _refusals(sbot, "其他组织")[0][1] == "corp:dingothercorp"
    assert len(_sessions(sbot)) == 1


# -- sessions, cookies, addresses ----------------------------------------------------------------

def test_sessions_expire_idle_and_in_all(bot):
    web = signed_in_client(bot, "union")
    assert _signed_in(web)
    clock.advance(timedelta(minutes=29))
    assert _signed_in(web)                         # seen again: the idle time starts over
    clock.advance(timedelta(minutes=31))
    response = web.get("/console/")
    assert response.status_code == 302 and "/console/login?next=/console/" in response.headers["Location"]

    web = signed_in_client(bot, "union")
    for _ in range(16):                            # busy all day: 16 × 29 minutes = 7 h 44 min
        clock.advance(timedelta(minutes=29))
        assert _signed_in(web)
    clock.advance(timedelta(minutes=17))           # 8 h 1 min after signing in
    assert not _signed_in(web)


def test_cookie_flags_follow_the_public_url(make_bot):
    for public_url, secure in (("https://console.example.cn", True), ("http://127.0.0.1:8000", False)):
        bot = make_bot(public_url=public_url)
        client = create_app(bot.config, bot=bot).test_client()
        token = csrf_of(client.get("/console/login").get_data(as_text=True))
        response = client.post("/console/login/demo", data={"who": "union", "csrf_token": token})
        header = response.headers["Set-Cookie"]
        assert "HttpOnly" in header and "SameSite=Lax" in header
        assert ("; Secure" in header) is secure
        assert "Expires" not in header                 # a browser-session cookie


def test_the_client_address_comes_through_trusted_proxies_only(make_bot):
    for proxies, expected in ((1, "203.0.113.9"), (0, "10.0.0.2")):
        bot = make_bot(trusted_proxies=proxies)
        client = create_app(bot.config, bot=bot).test_client()
        environ = {"REMOTE_ADDR": "10.0.0.2"}
        headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        token = csrf_of(client.get("/console/login", environ_base=environ, headers=headers).get_data(as_text=True))
        client.post("/console/login/demo", data={"who": "union", "csrf_token": token},
                    environ_base=environ, headers=headers)
        assert [ip for _, _, ip, _ in _sessions(bot)] == [expected]
        with bot.db.reading() as session:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "console.signin")
                                   .order_by(AuditEntry.id)).all()
            assert rows[-1].ip == expected
        with bot.db.transaction() as session:          # both bots share the test's database
            session.query(ConsoleSession).delete()


def test_sign_out_needs_the_csrf_token_and_ends_the_session(bot):
    web = signed_in_client(bot, "group")
    response = web.post("/console/logout")
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert _signed_in(web)
    assert _refusals(bot, "CSRF")
    assert _location(web.post("/console/logout", data={"csrf_token": web.csrf})).endswith("/console/login")
    assert not _signed_in(web)
    assert [ended is not None for *_, ended in _sessions(bot)] == [True]


# -- the break-glass administrator ---------------------------------------------------------------

def _create_admin(bot, monkeypatch, login="ops", password="correct horse battery"):
    monkeypatch.setenv("DATABASE_URL", bot.config.database_url)
    result = CliRunner().invoke(cli, ["console", "admin", "create", login, "值班管理员", "--password-stdin"],
                                input=password + "\n")
    assert result.exit_code == 0, result.output
    return re.search(r"TOTP 密钥：([A-Z2-7]+)", result.output).group(1), result.output


def _code(secret, offset=0):
    now = clock.real_utcnow() + timedelta(seconds=offset)
    return pyotp.TOTP(secret).at(calendar.timegm(now.timetuple()))


def _admin_form(client, login="ops", password="correct horse battery", code="000000", environ=None):
    token = csrf_of(client.get("/console/login", environ_base=environ or {}).get_data(as_text=True))
    return client.post("/console/login/password", environ_base=environ or {},
                       data={"csrf_token": token, "login": login, "password": password, "totp": code})


def test_admin_created_by_the_cli_signs_in_with_password_and_totp(bot, monkeypatch):
    secret, output = _create_admin(bot, monkeypatch)
    assert "otpauth://totp/" in output
    with bot.db.reading() as session:
        admin = session.scalars(select(ConsoleAdmin)).one()
        assert admin.password_hash.startswith("$argon2id$")
        assert secret not in admin.totp_secret and admin.totp_secret.startswith("v1:")   # sealed at rest
        assert session.get(Person, admin.person_id).role_names == {"admin"}
    result = CliRunner().invoke(cli, ["console", "admin", "create", "ops", "又一个", "--password-stdin"],
                                input="another long password\n")
    assert result.exit_code == 1 and "已存在" in result.output

    client = create_app(bot.config, bot=bot).test_client()
    response = _admin_form(client, code=_code(secret))
    assert _location(response).endswith("/console/")
    assert _signed_in(client)
    assert [(via, account) for via, account, *_ in _sessions(bot)] == [("password", "password:ops")]
    # the same code a second time (a replay within its 30 seconds) is refused
    other = create_app(bot.config, bot=bot).test_client()
    assert _admin_form(other, code=_code(secret)).status_code == 400 and not _signed_in(other)

    result = CliRunner().invoke(cli, ["console", "sessions"])
    assert result.exit_code == 0 and "值班管理员" in result.output and "password:ops" in result.output


def test_failed_admin_sign_ins_lock_the_login_and_the_address(bot, monkeypatch):
    secret, _ = _create_admin(bot, monkeypatch)
    client = create_app(bot.config, bot=bot).test_client()
    here = {"REMOTE_ADDR": "192.0.2.7"}
    for attempt in range(4):
        response = _admin_form(client, password="wrong password!", environ=here)
        assert response.status_code == 400 and "不正确" in response.get_data(as_text=True)
    response = _admin_form(client, password="wrong password!", environ=here)
    assert response.status_code == 403 and "已锁定 15 分钟" in response.get_data(as_text=True)
    # locked: the right password and code are refused, from here and from elsewhere
    assert _admin_form(client, code=_code(secret), environ=here).status_code == 403
    assert _admin_form(client, code=_code(secret), environ={"REMOTE_ADDR": "192.0.2.8"}).status_code == 403
    # the address is locked for any login
    assert _admin_form(client, login="nobody", environ=here).status_code == 403
    assert not _signed_in(client)
    assert len(_refusals(bot, "登录失败")) == 5 and len(_refusals(bot, "已锁定，")) == 3
    with bot.db.reading() as session:
        assert {row.key for row in session.scalars(select(ConsoleLock))
                if row.locked_until is not None} == {"login:ops", "ip:192.0.2.7"}
    # a POST without the CSRF token changes nothing
    response = client.post("/console/login/password", environ_base=here,
                           data={"login": "ops", "password": "x", "totp": "123456"})
    assert response.status_code == 400

    result = CliRunner().invoke(cli, ["console", "unlock", "ops"])
    assert result.exit_code == 0 and "已解除" in result.output
    assert _admin_form(client, code=_code(secret), environ={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302
    assert _admin_form(client, code=_code(secret, 30), environ=here).status_code == 403   # the address still
    assert CliRunner().invoke(cli, ["console", "unlock", "192.0.2.7"]).exit_code == 0
    assert _admin_form(client, code=_code(secret, 30), environ=here).status_code == 302
    with bot.db.reading() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "console.unlock")).all()


def test_an_admin_lock_ends_by_itself_after_the_set_minutes(bot, monkeypatch):
    secret, _ = _create_admin(bot, monkeypatch)
    client = create_app(bot.config, bot=bot).test_client()
    for _ in range(5):
        _admin_form(client, password="wrong password!")
    assert _admin_form(client, code=_code(secret)).status_code == 403
    clock.advance(timedelta(minutes=16))
    assert _admin_form(client, code=_code(secret)).status_code == 302


# -- real Chromium through each fake ---------------------------------------------------------------

DD_STUB = ("window.dd = {env: {platform: 'android'}};"
           "window.ddRequestAuthCode = function (options) {"
           " window.ddAskedFor = options; return Promise.resolve({code: '%s'}); };")


@pytest.mark.browser
def test_chromium_signs_in_through_each_messenger(sbot, browser, wx_fake, dd_fake):
    with LiveServer(create_app(sbot.config, bot=sbot)) as live:
        sbot.config.public_url = live.url                 # the redirect_uri names the live server
        wx_fake.trusted_domain = urlsplit(live.url).netloc
        wx_fake.login_as(WX_USER)
        dd_fake.login_as(DD_USER)

        board = re.compile(re.escape(live.url) + r"/console/(#.*)?$")    # a #wechat_redirect may ride along

        def landed(context):
            page = context.new_page()
            page.goto(live.url + "/console/login?next=/console/")
            return page

        for ua in (WXWORK_UA, None):                          # WeCom in the client, then a PC browser
            context = browser.new_context(user_agent=ua) if ua else browser.new_context()
            page = landed(context)
            page.click("text=企业微信登录")
            page.wait_for_url(board)
            assert "李秀英" in page.inner_text("header")
            context.close()
        paths = [r["path"] for r in wx_fake.records]
        assert "/connect/oauth2/authorize" in paths and "/wwlogin/sso/login" in paths

        context = browser.new_context()                        # DingTalk in a browser
        page = landed(context)
        page.click("text=钉钉登录")
        page.wait_for_url(board)
        assert "李秀英" in page.inner_text("header")
        context.close()

        context = browser.new_context(user_agent=DINGTALK_UA)  # DingTalk in the client: the JSAPI simulated
        code = dd_fake.issue_auth_code(DD_USER)
        context.route("**/console/static/dingtalk.jsapi.min.js",
                      lambda route: route.fulfill(body=DD_STUB % code, content_type="application/javascript"))
        page = landed(context)
        page.click("text=钉钉登录")
        page.wait_for_url(board)
        assert "李秀英" in page.inner_text("header")
        context.close()

        context = browser.new_context()                        # the vendored JSAPI, outside DingTalk
        page = context.new_page()
        page.goto(live.url + "/console/login/dingtalk?mode=client")
        page.wait_for_function("document.querySelector('.status').textContent.includes('钉钉客户端')")
        context.close()
    vias = sorted(via for via, *_ in _sessions(sbot))
    assert vias == ["dingtalk", "dingtalk", "wecom", "wecom"]
