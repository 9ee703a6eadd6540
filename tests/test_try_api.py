"""The try-out JSON API over HTTP, /healthz and error pages without tracebacks."""
import pytest



def test_messages_api_answers_help(client):
    res = client.post("/try/api/messages", json={"user": "leader", "text": "帮助"})
    assert res.status_code == 200
    body = res.get_json()
    assert body["replies"][0]["text"].startswith("王海您好")
    assert body["replies"][0]["buttons"] == []


def test_bad_requests_get_a_chinese_message(client):
    for payload in ({}, {"user": "leader"}, {"user": 5, "text": "x"}, {"user": "leader", "text": 3}):
        res = client.post("/try/api/messages", json=payload)
        assert res.status_code == 400
        assert "请求需要" in res.get_json()["error"]
    res = client.post("/try/api/messages", data="not json", content_type="application/json")
    assert res.status_code == 400


def test_inbox_and_identities(client):
    assert client.get("/try/api/inbox?user=leader").get_json() == {"messages": []}
    assert client.get("/try/api/inbox").status_code == 400
    ids = {i["id"] for i in client.get("/try/api/identities").get_json()["identities"]}
    assert ids == {"leader", "member", "union", "tech", "party", "group", "admin", "expert1", "expert2", "expert3"}


def test_try_page_and_health(client):
    page = client.get("/try")
    assert page.status_code == 200 and "试用" in page.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok", "database": "ok"}


def test_retried_message_id_is_not_processed_twice(client):
    first = client.post("/try/api/messages", json={"user": "leader", "text": "我是谁", "id": "abc"})
    again = client.post("/try/api/messages", json={"user": "leader", "text": "我是谁", "id": "abc"})
    assert first.get_json()["duplicate"] is False
    assert again.get_json() == {"replies": [], "duplicate": True}


STRONG_KEY = "q8Vd2mXr7LpN4tZs1KwB9eYh3GcJ6fUa"


def test_try_channel_is_off_in_production_and_cannot_be_turned_on(tmp_path, sqlite_url):
    from bot.app import create_app
    from bot.errors import ConfigError
    from tests.conftest import make_config
    off = create_app(make_config(tmp_path, sqlite_url, env="production", secret_key=STRONG_KEY,
                                 try_enabled=False)).test_client()
    assert off.get("/try").status_code == 404
    assert off.post("/try/api/messages", json={"user": "admin", "text": "帮助"}).status_code == 404
    with pytest.raises(ConfigError, match="BOT_TRY_ENABLED"):
        make_config(tmp_path, sqlite_url, env="production", secret_key=STRONG_KEY, try_enabled=True)


def test_file_links_carry_a_name_and_never_a_server_path(bot, client):
    from bot.delivery import Delivery
    from bot.tasks import TaskRunner
    client.post("/try/api/messages", json={"user": "leader", "text": "申报"})
    reply = client.post("/try/api/messages", json={"user": "leader", "text": "导出"}).get_json()
    assert any("正在生成申报审批表" in r["text"] for r in reply["replies"])
    TaskRunner(bot).run_all()
    Delivery(bot).drain()
    [message] = [m for m in client.get("/try/api/inbox?user=leader").get_json()["messages"] if m.get("file")]
    assert message["file"]["name"].endswith(".docx") and message["file"]["url"]
    assert "path" not in message["file"] and bot.config.files_dir not in str(message)
    again = client.post("/try/api/messages", json={"user": "leader", "text": "导出"}).get_json()
    [kept] = [r for r in again["replies"] if r.get("file")]          # the kept document, in the reply
    assert "path" not in kept["file"] and bot.config.files_dir not in str(again)
