"""Download links are signed with BOT_SECRET_KEY, expire after BOT_LINK_TTL_HOURS, and nothing else opens a file."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.delivery import Delivery
from bot.tasks import TaskRunner

from bot import files
from tests.support.clock import clock
from bot.config import Config
from bot.errors import ConfigError


def stored_file(bot, name="台账.xlsx", data=b"PK ledger"):
    with bot.db.transaction() as session:
        stored = files.save(bot, session, name, data)
        url = urlsplit(files.url_for(bot, stored))
        return stored.token, f"{url.path}?{url.query}"     # as the test client asks for it


def test_a_signed_link_opens_its_file(bot, client):
    token, url = stored_file(bot)
    assert url.startswith(f"/files/{token}?exp=")
    response = client.get(url)
    assert response.status_code == 200 and response.data == b"PK ledger"
    assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("tamper", ["no query", "no sig", "wrong sig", "longer expiry", "other file"])
def test_an_unsigned_or_altered_link_is_refused(bot, client, tamper):
    token, url = stored_file(bot)
    other, other_url = stored_file(bot, "其他.docx", b"other")
    query = parse_qs(urlsplit(url).query)
    exp, sig = query["exp"][0], query["sig"][0]
    path = {"no query": f"/files/{token}",
            "no sig": f"/files/{token}?exp={exp}",
            "wrong sig": f"/files/{token}?exp={exp}&sig={sig[:-2]}AA",
            "longer expiry": f"/files/{token}?exp={int(exp) + 86400}&sig={sig}",
            "other file": f"/files/{other}?" + urlsplit(url).query}[tamper]
    response = client.get(path)
    assert response.status_code == 403
    assert "下载链接" in response.get_json()["error"] and response.data != b"PK ledger"


def test_a_link_expires_after_the_configured_hours(make_bot):
    from bot.app import create_app
    bot = make_bot(link_ttl_hours=2)
    client = create_app(bot.config, bot=bot).test_client()
    _, url = stored_file(bot)
    clock.advance(timedelta(hours=1, minutes=59))
    assert client.get(url).status_code == 200
    clock.advance(timedelta(minutes=2))
    response = client.get(url)
    assert response.status_code == 410
    assert response.get_json() == {"error": "下载链接已过期，请在聊天中重新获取文件"}


def test_a_key_change_invalidates_old_links(make_bot):
    from bot.app import create_app
    bot = make_bot(secret_key="old-key")
    _, url = stored_file(bot)
    bot.config.secret_key = "new-key"
    assert create_app(bot.config, bot=bot).test_client().get(url).status_code == 403


def test_the_file_name_cannot_split_the_header(bot, client):
    _, url = stored_file(bot, 'a"\r\nSet-Cookie: x=1.docx')
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Disposition"] == 'attachment; filename="a___Set-Cookie_ x=1.docx"'


def test_the_try_out_page_gets_signed_links(bot, client):
    reply = client.post("/try/api/messages", json={"user": "leader", "text": "导出台账"}).get_json()
    assert "正在生成台账" in reply["replies"][0]["text"]
    TaskRunner(bot).run_all()
    Delivery(bot).drain()
    pushed = client.get("/try/api/inbox?user=leader").get_json()["messages"]
    urls = [m["file"]["url"].removeprefix(bot.config.public_url) for m in pushed if m.get("file")]
    assert urls and all("&sig=" in u for u in urls)
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[0].split("?")[0]).status_code == 403


@pytest.mark.parametrize("value", ["0", "9000", "abc"])
def test_link_ttl_is_validated(value):
    with pytest.raises(ConfigError, match="BOT_LINK_TTL_HOURS"):
        Config.from_env({"BOT_LINK_TTL_HOURS": value})
    assert Config.from_env({}).link_ttl_hours == 72
