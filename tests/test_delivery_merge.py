"""Replies pending together for one member go out as one WeCom message, in order, within the
platform's limits; one recipient's messages never overtake each other; a dead sender's claims
and the worker's lease are taken over within seconds."""
from sqlalchemy import select

from bot import delivery as delivery_module
from bot.channels.wecom.channel import TEXT_LIMIT
from bot.delivery import Delivery
from bot.message import Button, Outgoing
from storage.models import OutboxMessage
from tests.support.wecom import USER, advance, app, fake, make_wecom_bot, push, statuses, wbot, wx  # noqa: F401


def sent_rows(bot):
    with bot.db.session() as session:
        return session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.api_messages,
                                      OutboxMessage.sent_at).order_by(OutboxMessage.id)).all()


def test_texts_pending_together_go_as_one_message_in_order(wx, fake):
    for text in ("✓ 成员总数：15", "✓ 平均年龄：38", "✓ 高级技师：3"):
        push(wx.bot, USER, Outgoing(text=text))
    assert Delivery(wx.bot).drain() == 3
    assert fake.texts_for(USER) == ["✓ 成员总数：15\n\n✓ 平均年龄：38\n\n✓ 高级技师：3"]
    rows = sent_rows(wx.bot)
    assert [r.status for r in rows] == ["sent"] * 3
    assert len({r.sent_at for r in rows}) == 1                  # marked together
    assert [r.api_messages for r in rows] == [1, 0, 0]           # the limit counts the one API message
    assert all("enable_duplicate_check" not in r["json"] for r in fake.requests_to("message/send"))


def test_cards_files_and_notices_are_not_merged_and_keep_their_place(wx, fake):
    push(wx.bot, USER, Outgoing(text="一"))
    push(wx.bot, USER, Outgoing(text="二"))
    push(wx.bot, USER, Outgoing(text="请确认", buttons=[Button("确认", "ok")]))
    push(wx.bot, USER, Outgoing(text="三"))
    push(wx.bot, USER, Outgoing(text="申报截止还有 7 天"), dedupe_key="deadline:7")
    push(wx.bot, USER, Outgoing(text="四"))
    push(wx.bot, USER, Outgoing(text="五", markdown=True))
    assert Delivery(wx.bot).drain() == 7
    shown = [(m["msgtype"], (m.get("text") or m.get("markdown") or {}).get("content")) for m in fake.messages_for(USER)]
    assert shown == [("text", "一\n\n二"), ("template_card", None), ("text", "三"),
                     ("text", "申报截止还有 7 天"), ("text", "四"), ("markdown", "五")]
    notice = [r["json"] for r in fake.requests_to("message/send") if r["json"].get("enable_duplicate_check")]
    assert [n["text"]["content"] for n in notice] == ["申报截止还有 7 天"]     # its own key, alone


def test_a_merge_stays_within_one_messages_text_limit(wx, fake):
    texts = [f"{n}" + "说明" * 100 for n in range(5)]           # about 600 bytes each
    for text in texts:
        push(wx.bot, USER, Outgoing(text=text))
    assert Delivery(wx.bot).drain() == 5
    got = fake.texts_for(USER)
    assert 1 < len(got) < 5
    assert all(len(t.encode("utf-8")) <= TEXT_LIMIT for t in got)
    assert "\n\n".join(got) == "\n\n".join(texts)               # every text once, in order
    assert sum(r.api_messages for r in sent_rows(wx.bot)) == len(got)


def test_a_failed_merged_send_is_retried_whole_and_a_later_reply_joins_it(wx, fake):
    push(wx.bot, USER, Outgoing(text="一"))
    push(wx.bot, USER, Outgoing(text="二"))
    fake.fail_next("message/send", "busy")
    assert Delivery(wx.bot).drain() == 0
    with wx.bot.db.session() as session:
        due = session.scalars(select(OutboxMessage.next_attempt_at)).all()
    assert statuses(wx.bot) == ["pending", "pending"] and len(set(due)) == 1     # rescheduled together
    push(wx.bot, USER, Outgoing(text="三"))
    assert Delivery(wx.bot).drain() == 0                       # 三 waits for 一 and 二: no overtaking
    assert fake.texts_for(USER) == []
    advance(fake, 60)
    assert Delivery(wx.bot).drain() == 3
    assert fake.texts_for(USER) == ["一\n\n二\n\n三"]


def test_a_reply_does_not_overtake_one_held_back_by_the_minute_limit(wx, fake):
    for i in range(29):            # cards: never merged, never spaced, 29 of the minute's 30
        push(wx.bot, USER, Outgoing(text=f"卡片 {i}", buttons=[Button("好", f"ok:{i}")]))
    push(wx.bot, USER, Outgoing(text="长文\n" + "很长的说明文字" * 200))   # two API messages: over the 30
    assert Delivery(wx.bot).drain() == 29
    push(wx.bot, USER, Outgoing(text="短"))                     # would fit the minute, but comes later
    assert Delivery(wx.bot).drain() == 0
    assert len(fake.messages_for(USER)) == 29
    advance(fake, 65)
    assert Delivery(wx.bot).drain() == 2
    texts = fake.texts_for(USER)
    assert texts[29].startswith("长文") and texts[-1] == "短"
    assert fake.dropped == []


def test_a_busy_members_texts_are_spaced_and_merged(wx, fake):
    for i in range(25):            # 25 of the minute's 30 used
        push(wx.bot, USER, Outgoing(text=f"卡片 {i}", buttons=[Button("好", f"ok:{i}")]))
    assert Delivery(wx.bot).drain() == 25
    push(wx.bot, USER, Outgoing(text="✓ 一"))
    assert Delivery(wx.bot).drain() == 0                       # held briefly (delivery.pace) …
    push(wx.bot, USER, Outgoing(text="✓ 二"))
    assert Delivery(wx.bot).drain() == 0
    gap = delivery_module.pace(25, 30).total_seconds()
    assert 0 < gap < 4
    advance(fake, gap + 0.5)
    assert Delivery(wx.bot).drain() == 2                       # … and both go as one message
    assert fake.texts_for(USER)[-1] == "✓ 一\n\n✓ 二"
    assert len(fake.messages_for(USER)) == 26 and fake.dropped == []


def test_pace_settles_below_the_limit():
    assert delivery_module.pace(14, 30) is None
    assert delivery_module.pace(15, 30).total_seconds() == 0
    assert delivery_module.pace(30, 30).total_seconds() == 4.0
    # a member sent to as fast as the pace allows gets fewer than 30 a minute
    used = 15
    for _ in range(20):
        used = 60 / max(delivery_module.pace(used, 30).total_seconds(), 60 / 30)
    assert used < 30


def test_a_dead_senders_claims_are_taken_over_within_seconds(wx, fake):
    push(wx.bot, USER, Outgoing(text="一"))
    push(wx.bot, "sunli", Outgoing(text="二"))
    dead = Delivery(wx.bot)
    assert len(dead._claim(2000)) == 2                         # claimed, then the sender died
    assert Delivery(wx.bot).drain() == 0                       # a live claim is left alone
    advance(fake, 11)                                          # seconds, not 30
    assert Delivery(wx.bot).drain() == 2
    assert fake.texts_for(USER) == ["一"] and fake.texts_for("sunli") == ["二"]


def test_a_working_senders_claims_are_renewed_and_not_taken_over(wx, fake):
    push(wx.bot, USER, Outgoing(text="一"))
    working = Delivery(wx.bot)
    ids = [row["id"] for row in working._claim(2000)]
    for _ in range(3):                                         # a long round: the claims thread renews them
        advance(fake, delivery_module.RENEW_SECONDS * 2)
        working._renew(ids)
        assert Delivery(wx.bot).drain() == 0
    advance(fake, delivery_module.CLAIM_SECONDS + 1)           # renewals stopped (it died)
    assert Delivery(wx.bot).drain() == 1


def test_an_apps_calls_wait_for_room_in_its_minute(wx, fake):
    assert wx.bot.channels["wecom"].per_app_per_minute < 10000     # message/send: 10,000 a minute per company
    sending = Delivery(wx.bot)
    rate = sending._rates["wecom"] = delivery_module.AppRate(2)
    waits = []

    def sleep(seconds):             # instead of waiting: the oldest call leaves the minute
        waits.append(seconds)
        rate.calls.popleft()

    take = rate.take
    rate.take = lambda n=1: take(n, sleep=sleep)
    for user in (USER, "sunli", "nobody"):
        push(wx.bot, user, Outgoing(text=f"给 {user}"))
    sending.drain()
    assert len(fake.requests_to("message/send")) == 3
    assert len(waits) == 1 and 55 < waits[0] <= 60          # the third call waited for the first to age
