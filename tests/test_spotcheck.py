"""Spot checks: a draw anyone can reproduce, notices, one due reminder, results and 撤销称号."""
import random
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot import cycle, demo
from tests.support.clock import clock
from bot.delivery import Delivery
from handlers.notices import run as notices
from handlers.notices import spotcheck
from storage.models import OutboxMessage, SpotCheck, SpotCheckResult, Studio
from storage.people import bind, get_studio, get_unit, upsert_person

LEADERS = [("leader", None), ("leader2", "李明"), ("leader3", "周强"), ("leader4", "吴磊"), ("leader5", "郑华")]


def named_studios(bot):
    """Five named studios, each led by a try-out identity; returns {try-out id: studio id}."""
    with bot.db.transaction() as s:
        unit = get_unit(s, demo.UNIT)
        ids = {}
        for try_id, name in LEADERS:
            if name is None:
                studio = s.scalar(select(Studio).where(Studio.name == demo.STUDIO))
            else:
                person = upsert_person(s, name, unit, ["leader"])
                bind(s, person, "web", try_id)
                studio = get_studio(s, f"{name}创新工作室", unit, person)
                person.studio_id = studio.id
            studio.status, studio.named_on = "named", date(2024, 7, 10)
            ids[try_id] = studio.id
        return ids


def latest_check(bot):
    with bot.db.session() as s:
        return s.scalars(select(SpotCheck).order_by(SpotCheck.id.desc())).first()


def test_draw_is_recorded_and_reproducible(bot, chat):
    ids = named_studios(bot)
    clock.set_now(datetime(2025, 9, 26, 10, tzinfo=clock.TZ))
    group = chat("group")
    reply = group.send("抽查 2")
    check = latest_check(bot)
    assert reply.startswith("已完成第 1 次抽查：从 5 家已命名工作室中随机抽取 2 家：")
    assert check.candidates == sorted(ids.values())
    assert check.chosen == random.Random(check.seed).sample(check.candidates, 2)
    assert f"随机种子 {check.seed}" in reply
    assert check.due_on == date(2025, 10, 16) == cycle.add_workdays(date(2025, 9, 26), 10)
    assert "材料截止：2025年10月16日（10 个工作日）" in reply
    refused = chat("leader").send("复现抽查 1")        # the group union's and the admins' command
    assert "「复现抽查」仅限" in refused and check.seed not in refused
    for user in ("group", "admin"):
        again = chat(user).send("复现抽查 1")
        assert "一致 ✓" in again and str(check.chosen) in again
    record = group.send("抽查记录")
    assert check.seed in record and str(check.candidates) in record and "待登记" in record
    chosen = [k for k, v in ids.items() if v in check.chosen]
    for try_id in chosen:
        texts = chat(try_id).inbox()
        assert len(texts) == 1 and texts[0].startswith("【抽查通知】") and "请于 2025年10月16日 前准备好" in texts[0]
        assert "七有材料" in texts[0] and "台账" in texts[0] and "工作制度" in texts[0]
    union = chat("union").inbox()
    assert len(union) == 2 and all("组织准备材料" in t for t in union)
    for try_id in set(ids) - set(chosen):
        assert chat(try_id).inbox() == []


def test_the_draw_is_capped_and_refused_without_named_studios(bot, chat):
    group = chat("group")
    assert group.send("抽查") == "目前没有已命名的工作室，无法抽查。"
    named_studios(bot)
    assert "随机抽取 5 家" in group.send("抽查 9")
    assert "抽取家数至少为 1" in group.send("抽查 0")
    assert "仅限集团工会" in chat("leader").send("抽查")


def test_one_reminder_three_working_days_before_the_due_date(bot, chat):
    named_studios(bot)
    clock.set_now(datetime(2025, 9, 26, 10, tzinfo=clock.TZ))
    chat("group").send("抽查 1")
    check = latest_check(bot)
    remind_on = cycle.add_workdays(check.due_on, -3)
    assert remind_on == date(2025, 10, 13)
    written = {}
    day = date(2025, 9, 26)
    while day <= check.due_on + timedelta(days=3):
        report = notices.run(bot, cycle.at_notice_time(bot.config, day), types=["spotcheck_due"])
        if report.written.get("spotcheck_due"):
            written[day] = report.written["spotcheck_due"]
        day += timedelta(days=1)
    assert written == {remind_on: 2}                     # the leader and the unit union, once
    Delivery(bot).drain()
    with bot.db.session() as s:
        texts = [r.payload["text"] for r in s.scalars(select(OutboxMessage).where(OutboxMessage.notice == "spotcheck_due"))]
    assert texts[0].startswith("【抽查提醒】第 1 次抽查的") and "将于 2025年10月16日 到期" in texts[0]


def test_no_reminder_once_the_result_is_recorded(bot, chat):
    ids = named_studios(bot)
    clock.set_now(datetime(2025, 9, 26, 10, tzinfo=clock.TZ))
    chat("group").send("抽查 5")
    assert "已登记第 1 次抽查结果：「李明创新工作室」合格" in chat("group").send("抽查结果 李明创新工作室 合格 台账完整")
    decided = notices.run(bot, cycle.at_notice_time(bot.config, date(2025, 10, 13)), dry_run=True,
                          types=["spotcheck_due"]).decided["spotcheck_due"]
    studios = {n.key.split(":")[2] for n, _ in decided}
    assert str(ids["leader2"]) not in studios and len(studios) == 4


def test_revoking_the_title(bot, chat):
    ids = named_studios(bot)
    group = chat("group")
    group.send("抽查 5")
    chat("leader3").inbox()
    refused = group.send("抽查结果 周强 撤销称号 一年无活动记录，无创新成果")      # the 意见's grounds are required
    assert "撤销称号须写明《意见》规定的情形" in refused and "工作不积极、制度不落实、保障不到位、效果不突出" in refused
    reply = group.send("抽查结果 周强 撤销称号 工作不积极、效果不突出：一年无活动记录，无创新成果")
    assert reply == "已登记第 1 次抽查结果：「周强创新工作室」撤销称号，已撤销其称号。已通知领衔人和所在单位工会。"
    with bot.db.session() as s:
        assert s.get(Studio, ids["leader3"]).status == "revoked"
        row = s.scalar(select(SpotCheckResult).where(SpotCheckResult.studio_id == ids["leader3"]))
        assert (row.result, row.note, row.grounds) == ("撤销称号", "一年无活动记录，无创新成果", ["工作不积极", "效果不突出"])
    told = chat("leader3").inbox()
    assert told == ["【抽查结果】周强您好，经第 1 次抽查，「周强创新工作室」（工作不积极、效果不突出）被撤销"
                    "“中国交建劳模（工匠人才）创新工作室”称号。说明：一年无活动记录，无创新成果"]
    assert "不能再更改" in group.send("抽查结果 周强创新工作室 合格")
    group.send("抽查 5")
    assert ids["leader3"] not in latest_check(bot).candidates     # no longer a named studio
    assert "写成「抽查结果 工作室名" in group.send("抽查结果 周强创新工作室 很好")
    assert "没有找到" in group.send("抽查结果 不存在的工作室 合格")
    assert "对应多个工作室" in group.send("抽查结果 创新工作室 合格")


def test_reproduction_detects_a_tampered_record(bot, chat):
    named_studios(bot)
    chat("group").send("抽查 3")
    with bot.db.transaction() as s:
        check = s.scalars(select(SpotCheck)).first()
        check.chosen = list(reversed(check.chosen))
    assert "不一致 ✗" in chat("admin").send("复现抽查 第1次")
    assert "没有第 9 次抽查" in chat("admin").send("复现抽查 9")
    assert re.search(r"种子 [0-9a-f]{16}", chat("admin").send("抽查记录"))


def test_choose_is_the_documented_formula():
    assert spotcheck.choose("abc", [1, 2, 3, 4, 5], 3) == random.Random("abc").sample([1, 2, 3, 4, 5], 3)
