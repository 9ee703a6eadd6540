"""Spot checks (不定期抽查) of named studios: a reproducible draw, its notices, due reminders, results.

The draw is ``random.Random(seed).sample(candidates, n)`` over the sorted ids of the named
studios; seed and candidates are recorded, so anyone can repeat it and get the same studios.
"""
import random
import secrets

from sqlalchemy import select

from bot import cycle
from bot.errors import UserError
from bot.message import Button, Outgoing
from handlers.notices.notice import Notice, named_studios, unit_unions
from storage.models import Person, SpotCheck, SpotCheckResult, Studio

DEFAULT_N = 3
DUE_WORKING_DAYS = 10        # materials due this many working days after the draw
REMIND_WORKING_DAYS = 3      # one reminder this many working days before the due date
RESULTS = ("合格", "限期整改", "撤销称号")
GROUNDS = ("工作不积极", "制度不落实", "保障不到位", "效果不突出")     # the 意见's grounds for 不再保留其称号
PREPARE = ("· 七有材料：领衔人荣誉证明、团队名单、场所和设备情况、经费投入、创新成果及证明\n"
           "· 台账：创建活动、创新成果、成员发展、经费四本台账（近两年）\n"
           "· 工作制度：学习、活动、创新计划、成果发布、奖励、内部管理等制度文本")


def due_days(config):
    return getattr(config, "spotcheck_due_working_days", DUE_WORKING_DAYS)


def remind_days(config):
    return getattr(config, "spotcheck_remind_working_days", REMIND_WORKING_DAYS)


def choose(seed, candidates, n):
    """The draw itself: the same seed and candidates always give the same studios, in order."""
    return random.Random(seed).sample(list(candidates), n)


def long_date(day):
    return f"{day.year}年{cycle.chinese_date(day)}"


def draw(session, config, person_id, n, today, now):
    """Draw ``n`` named studios (at most all of them), record it and notify leaders and unit unions
    (the spot check service, handlers/services/spotchecks.py, checks and audits it)."""
    candidates = sorted(s.id for s in named_studios(session))
    if not candidates:
        raise UserError("目前没有已命名的工作室，无法抽查。")
    n = min(n, len(candidates))
    seed = secrets.token_hex(8)
    check = SpotCheck(seed=seed, candidates=candidates, chosen=choose(seed, candidates, n),
                      due_on=cycle.add_workdays(today, due_days(config)), created_by=person_id,
                      created_at=now)
    session.add(check)
    session.flush()
    for studio_id in check.chosen:
        session.add(SpotCheckResult(spot_check_id=check.id, studio_id=studio_id, result=""))
    for notice in drawn_notices(session, config, check):
        notice.write(session)
    return check


def drawn_notices(session, config, check):
    notices = []
    due = long_date(check.due_on)
    for studio in studios_of(session, check):
        leader = session.get(Person, studio.leader_id) if studio.leader_id else None
        if leader is not None:
            text = (f"【抽查通知】{leader.name}您好，{config.union_name}对已命名创新工作室进行不定期抽查，"
                    f"「{studio.name}」被抽中（第 {check.id} 次抽查）。请于 {due} 前准备好以下材料备查：\n"
                    f"{PREPARE}\n可先发送「七有」自查。")
            notices.append(Notice("spotcheck", f"spotcheck:{check.id}:{studio.id}:{leader.id}",
                                  Outgoing(text=text, buttons=[Button("七有自查", "七有")]), person=leader))
        for union in unit_unions(session, studio.unit_id):
            text = (f"【抽查通知】{union.name}您好，本单位的「{studio.name}」"
                    f"（领衔人 {leader.name if leader else '未设置'}）在第 {check.id} 次不定期抽查中被抽中，"
                    f"请于 {due} 前组织准备材料并配合检查：\n{PREPARE}")
            notices.append(Notice("spotcheck", f"spotcheck:{check.id}:{studio.id}:unit:{union.id}",
                                  Outgoing(text=text), person=union))
    return notices


def studios_of(session, check):
    return [session.get(Studio, sid) for sid in check.chosen]


def decide_due(bot, session, now, forced=False):
    """Reminders from 3 working days before the due date to studios without a result (once each)."""
    today = now.date()
    notices = []
    checks = session.scalars(select(SpotCheck).where(SpotCheck.due_on >= today).order_by(SpotCheck.id)).all()
    for check in checks:
        if today < cycle.add_workdays(check.due_on, -remind_days(bot.config)) and not forced:
            continue
        open_ids = set(session.scalars(select(SpotCheckResult.studio_id).where(
            SpotCheckResult.spot_check_id == check.id, SpotCheckResult.result == "")))
        for studio in studios_of(session, check):
            if studio.id not in open_ids:
                continue
            recipients = [session.get(Person, studio.leader_id)] if studio.leader_id else []
            recipients += unit_unions(session, studio.unit_id)
            text = (f"【抽查提醒】第 {check.id} 次抽查的「{studio.name}」材料将于 {long_date(check.due_on)} 到期，"
                    f"请按时备齐：\n{PREPARE}")
            for person in recipients:
                notices.append(Notice("spotcheck_due", f"spotcheck_due:{check.id}:{studio.id}:{person.id}",
                                      Outgoing(text=text), person=person))
    return notices


def result_notices(session, config, row, studio, rectification=None):
    note = f"说明：{row.note}" if row.note else ""
    when = f"{row.spot_check_id}:{row.recorded_at:%Y%m%d%H%M%S}"
    if row.result == "撤销称号":
        grounds = f"（{'、'.join(row.grounds)}）" if row.grounds else ""
        body = (f"经第 {row.spot_check_id} 次抽查，「{studio.name}」{grounds}被撤销“{config.org_name}劳模（工匠人才）"
                f"创新工作室”称号。{note}")
    elif row.result == "限期整改":
        due = f"请于 {long_date(rectification.deadline)} 前（{rectification.working_days} 个工作日）完成整改，" \
            if rectification is not None else "请按要求"
        body = (f"第 {row.spot_check_id} 次抽查结果：「{studio.name}」限期整改。{note}{due}整改后记入台账，"
                "并由领衔人发送「整改完成 整改情况」报告。逾期未完成整改的，将按规定提请撤销称号。")
    else:
        body = f"第 {row.spot_check_id} 次抽查结果：「{studio.name}」合格。{note}请继续保持。"
    people = [session.get(Person, studio.leader_id)] if studio.leader_id else []
    people += unit_unions(session, studio.unit_id)
    return [Notice("spotcheck_result", f"spotcheck_result:{when}:{studio.id}:{p.id}",
                   Outgoing(text=f"【抽查结果】{p.name}您好，{body}"), person=p) for p in people]
