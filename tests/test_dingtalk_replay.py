"""A captured DingTalk signature cannot carry another message once its first seconds are over, two
genuine messages of one millisecond are both answered, and a message needs a msgId."""
from datetime import timedelta

from sqlalchemy import select

from tests.support.clock import clock
from bot.crypto import dingtalk_sign
from storage.models import Conversation, InboxEntry, OutboxMessage
from storage.signatures import UsedSignature
from tests.support.dingtalk import (USER, capture, count, dbot, drain, fake, http, now_ms,  # noqa: F401
                                 post, robot_message)


def signed(timestamp=None):
    ts = str(now_ms() if timestamp is None else timestamp)
    return {"timestamp": ts, "sign": dingtalk_sign("dingtestsecret", ts)}


def nothing_stored(bot):
    return (count(bot, InboxEntry), count(bot, OutboxMessage), count(bot, Conversation),
            count(bot, UsedSignature)) == (0, 0, 0, 0)


def test_a_message_without_msgid_is_refused_and_touches_nothing(dbot, fake, http):
    seen = capture(dbot)
    data = robot_message(fake, "帮助")
    del data["msgId"]
    response = post(http, data)
    assert response.status_code == 400
    assert "msgId" in response.get_json()["error"] and "拒绝" in response.get_json()["error"]
    data["msgId"] = "   "
    assert post(http, data).status_code == 400
    assert seen == [] and nothing_stored(dbot)


def test_a_signature_used_once_cannot_carry_another_message(dbot, fake, http):
    headers = signed()
    first = robot_message(fake, "帮助", msg_id="msg-original")
    assert post(http, first, headers=headers).status_code == 200
    clock.advance(timedelta(seconds=6))     # past DINGTALK_SIGN_SHARE_SECONDS from the pair's first sight
    seen = capture(dbot)
    forged = robot_message(fake, "#act review:approve:5:1", msg_id="msg-forged")
    response = post(http, forged, headers=headers)
    assert response.status_code == 403
    assert response.get_json() == {"error": "该签名已用于另一条消息，请求已拒绝"}
    assert seen == []
    with dbot.db.session() as session:
        assert session.scalars(select(InboxEntry.message_id)).all() == ["msg-original"]
        pairs = session.execute(select(UsedSignature.timestamp, UsedSignature.message_id)).all()
        assert pairs == [(headers["timestamp"], "msg-original")]
    # DingTalk's own retry of the first message (same pair, same msgId) is accepted and dropped once
    assert post(http, first, headers=headers).status_code == 200
    drain(dbot)
    assert len(fake.messages_to(USER)) == 1
    # a fresh signature carries a new message as usual
    assert post(http, robot_message(fake, "帮助", msg_id="msg-next"), headers=signed(now_ms() + 1)).status_code == 200
    assert [incoming.message_id for incoming in seen] == ["msg-original", "msg-next"]   # the retry: a duplicate turn
    with dbot.db.session() as session:
        assert sorted(session.scalars(select(InboxEntry.message_id)).all()) == ["msg-next", "msg-original"]


def test_used_pairs_are_kept_only_within_the_hour(dbot, fake, http):
    old = signed()
    assert post(http, robot_message(fake, "帮助", msg_id="m1"), headers=old).status_code == 200
    clock.advance(timedelta(minutes=61))
    assert post(http, robot_message(fake, "帮助", msg_id="m2"), headers=signed()).status_code == 200
    with dbot.db.session() as session:
        assert session.scalars(select(UsedSignature.message_id)).all() == ["m2"]
    # the old pair is out of the window: the signature check itself refuses it now
    assert post(http, robot_message(fake, "帮助", msg_id="m3"), headers=old).status_code == 403


def test_two_genuine_messages_of_one_millisecond_are_both_answered(dbot, fake, http):
    headers = signed()              # DingTalk's sign depends only on the timestamp and the secret
    seen = capture(dbot)
    for n, text in enumerate(("帮助", "进度")):
        assert post(http, robot_message(fake, text, msg_id=f"msg-{n}"), headers=headers).status_code == 200
    assert [incoming.text for incoming in seen] == ["帮助", "进度"]
    drain(dbot)
    assert len(fake.messages_to(USER)) == 2
    with dbot.db.session() as session:
        assert sorted(session.scalars(select(UsedSignature.message_id))) == ["msg-0", "msg-1"]


def test_the_shared_pair_replayed_later_with_another_body_is_refused(dbot, fake, http):
    headers = signed()
    for n in range(2):
        assert post(http, robot_message(fake, "帮助", msg_id=f"msg-{n}"), headers=headers).status_code == 200
    before = (count(dbot, InboxEntry), count(dbot, OutboxMessage), count(dbot, UsedSignature))
    clock.advance(timedelta(seconds=30))
    seen = capture(dbot)
    response = post(http, robot_message(fake, "#act review:approve:5:1", msg_id="msg-forged"), headers=headers)
    assert response.status_code == 403 and seen == []
    assert (count(dbot, InboxEntry), count(dbot, OutboxMessage), count(dbot, UsedSignature)) == before
    assert post(http, robot_message(fake, "帮助", msg_id="msg-1"), headers=headers).status_code == 200   # a retry


def test_the_share_window_is_a_setting(make_bot):
    from bot.config import Config
    from bot.errors import ConfigError
    import pytest
    assert Config.from_env(environ={"DINGTALK_SIGN_SHARE_SECONDS": "0"}).dingtalk_sign_share_seconds == 0
    with pytest.raises(ConfigError, match="DINGTALK_SIGN_SHARE_SECONDS"):
        Config.from_env(environ={"DINGTALK_SIGN_SHARE_SECONDS": "600"})


def test_claim_on_both_databases(any_bot):
    from storage import signatures
    now = clock.utcnow()
    soon = now + timedelta(seconds=3)
    with any_bot.db.transaction() as session:
        assert signatures.claim(session, "dingtalk", "1", "s", "a", now, now)
        assert signatures.claim(session, "dingtalk", "1", "s", "a", now, now)
        assert signatures.claim(session, "dingtalk", "1", "s", "b", now, soon)     # shared within 5 s
    late = now + timedelta(seconds=6)
    with any_bot.db.transaction() as session:
        assert not signatures.claim(session, "dingtalk", "1", "s", "c", now, late)
        assert signatures.claim(session, "dingtalk", "1", "s", "b", now, late)     # a retry of b
        assert signatures.claim(session, "dingtalk", "2", "s", "c", now, late)
    later = now + timedelta(hours=2)
    with any_bot.db.transaction() as session:
        assert signatures.claim(session, "dingtalk", "3", "s", "c", later, later)
    with any_bot.db.session() as session:
        assert session.scalars(select(UsedSignature.message_id)).all() == ["c"]
