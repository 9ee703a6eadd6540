"""Spot checks (不定期抽查) of named studios: a reproducible draw, its notices, due reminders, results.

The draw is ``random.Random(seed).sample(candidates, n)`` over the sorted ids of the named
studios; seed and candidates are recorded, so anyone can repeat it and get the same studios.
"""
import random
import secrets
from datetime import timezone

from sqlalchemy import select

from bot import cycle
from storage import clock
from bot.errors import UserError
from bot.message import Button, Outgoing
from handlers.notices.notice import Notice, named_studios, unit_unions
from storage.models import Person, SpotCheck, SpotCheckResult, Studio

DEFAULT_N = 3
DUE_WORKING_DAYS = 10        # materials due this many working days after the draw
REMIND_WORKING_DAYS = 3      # one reminder this many working days before the due date
RESULTS = ("合格", "限期整改", "撤销称号")
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


def draw(session, config, person, n, today):
    """Draw ``n`` named studios (at most all of them), record it and notify leaders and unit unions."""
    candidates = sorted(s.id for s in named_studios(session))
    if not candidates:
        raise UserError("目前没有已命名的工作室，无法抽查。")
    n = min(n, len(candidates))
    seed = secrets.token_hex(8)
    check = SpotCheck(seed=seed, candidates=candidates, chosen=choose(seed, candidates, n),
                      due_on=cycle.add_workdays(today, due_days(config)), created_by=person.id,
                      created_at=clock.utcnow())
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


def record_result(session, config, person, text):
    """`<工作室名> <合格|限期整改|撤销称号> [说明]`: record it; 撤销称号 revokes the title."""
    result = next((r for r in RESULTS if f" {r}" in f" {text}"), None)
    if result is None:
        raise UserError("请写成「抽查结果 工作室名 合格|限期整改|撤销称号 [说明]」，"
                        "例如：抽查结果 王海隧道掘进劳模创新工作室 限期整改 台账不全，一个月内补齐")
    name, _, note = text.partition(result)
    studio = find_studio(session, name.strip())
    row = session.scalar(select(SpotCheckResult).where(SpotCheckResult.studio_id == studio.id)
                         .order_by(SpotCheckResult.spot_check_id.desc()).limit(1))
    if row is None:
        raise UserError(f"「{studio.name}」没有被抽查过。发送「抽查记录」查看抽查情况。")
    if row.result == "撤销称号":
        raise UserError(f"「{studio.name}」已在第 {row.spot_check_id} 次抽查中被撤销称号，不能再更改。")
    row.result, row.note, row.recorded_by, row.recorded_at = result, note.strip(), person.id, clock.utcnow()
    if result == "撤销称号":
        studio.status = "revoked"
    for notice in result_notices(session, config, row, studio):
        notice.write(session)
    return row, studio


def find_studio(session, name):
    if not name:
        raise UserError("请写明工作室名称，例如：抽查结果 王海隧道掘进劳模创新工作室 合格")
    studio = session.scalar(select(Studio).where(Studio.name == name))
    if studio is not None:
        return studio
    matches = session.scalars(select(Studio).where(Studio.name.contains(name, autoescape=True))).all()
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserError(f"没有找到名称包含「{name}」的工作室。")
    raise UserError(f"「{name}」对应多个工作室：{'、'.join(s.name for s in matches[:5])}，请写全称。")


def result_notices(session, config, row, studio):
    note = f"说明：{row.note}" if row.note else ""
    when = f"{row.spot_check_id}:{row.recorded_at:%Y%m%d%H%M%S}"
    if row.result == "撤销称号":
        body = (f"经第 {row.spot_check_id} 次抽查，「{studio.name}」被撤销“{config.org_name}劳模（工匠人才）"
                f"创新工作室”称号。{note}")
    elif row.result == "限期整改":
        body = f"第 {row.spot_check_id} 次抽查结果：「{studio.name}」限期整改。{note}请按要求整改并记入台账。"
    else:
        body = f"第 {row.spot_check_id} 次抽查结果：「{studio.name}」合格。{note}请继续保持。"
    people = [session.get(Person, studio.leader_id)] if studio.leader_id else []
    people += unit_unions(session, studio.unit_id)
    return [Notice("spotcheck_result", f"spotcheck_result:{when}:{studio.id}:{p.id}",
                   Outgoing(text=f"【抽查结果】{p.name}您好，{body}"), person=p) for p in people]


# --- chat commands -----------------------------------------------------------------------

def draw_command(turn, args):
    args = args.strip()
    if args and not args.isdigit():
        raise UserError("请写成「抽查」或「抽查 3」（抽取的家数，默认 3 家）。")
    n = int(args) if args else DEFAULT_N
    if n < 1:
        raise UserError("抽取家数至少为 1。")
    check = draw(turn.session, turn.config, turn.person, n, clock.today())
    lines = [f"已完成第 {check.id} 次抽查：从 {len(check.candidates)} 家已命名工作室中随机抽取 {len(check.chosen)} 家："]
    lines += [f"{i}. {s.name}（{s.unit.name if s.unit else ''}）" for i, s in enumerate(studios_of(turn.session, check), 1)]
    lines.append(f"材料截止：{long_date(check.due_on)}（{due_days(turn.config)} 个工作日）。已通知领衔人和所在单位工会。")
    lines.append(f"随机种子 {check.seed}，候选编号 {check.candidates}；任何人可用 "
                 f"random.Random(种子).sample(候选, {len(check.chosen)}) 复现，或发送「复现抽查 {check.id}」。")
    lines.append("检查后发送「抽查结果 工作室名 合格|限期整改|撤销称号 [说明]」登记结果。")
    turn.reply("\n".join(lines))


def result_command(turn, args):
    row, studio = record_result(turn.session, turn.config, turn.person, args)
    extra = "，已撤销其称号" if row.result == "撤销称号" else ""
    turn.reply(f"已登记第 {row.spot_check_id} 次抽查结果：「{studio.name}」{row.result}{extra}。已通知领衔人和所在单位工会。")


def list_command(turn, args):
    checks = turn.session.scalars(select(SpotCheck).order_by(SpotCheck.id.desc()).limit(10)).all()
    if not checks:
        turn.reply("还没有抽查记录。发送「抽查 3」随机抽查 3 家已命名工作室。")
        return
    lines = ["抽查记录（新的在前）："]
    for check in checks:
        results = {r.studio_id: r.result for r in turn.session.scalars(
            select(SpotCheckResult).where(SpotCheckResult.spot_check_id == check.id))}
        made = cycle.chinese_date(check.created_at.replace(tzinfo=timezone.utc).astimezone(clock.TZ).date())
        chosen = "、".join(f"{s.name}（{results.get(s.id) or '待登记'}）" for s in studios_of(turn.session, check))
        lines.append(f"第 {check.id} 次（{made}，截止 {cycle.chinese_date(check.due_on)}）：{chosen}\n"
                     f"  种子 {check.seed}，候选 {check.candidates}")
    turn.reply("\n".join(lines))


def reproduce_command(turn, args):
    number = args.strip().lstrip("第").rstrip("次")
    if not number.isdigit():
        raise UserError("请写成「复现抽查 编号」，例如：复现抽查 1。发送「抽查记录」查看编号。")
    check = turn.session.get(SpotCheck, int(number))
    if check is None:
        raise UserError(f"没有第 {number} 次抽查。发送「抽查记录」查看编号。")
    again = choose(check.seed, check.candidates, len(check.chosen))
    same = again == list(check.chosen)
    names = {s.id: s.name for s in turn.session.scalars(select(Studio).where(Studio.id.in_(again)))}
    turn.reply(f"第 {check.id} 次抽查复现：random.Random(\"{check.seed}\").sample({check.candidates}, {len(again)})\n"
               f"= {again}（{'、'.join(names.get(i, str(i)) for i in again)}）\n"
               f"记录的结果：{list(check.chosen)}\n"
               + ("一致 ✓ 抽取结果可复现。" if same else "不一致 ✗ 记录与复现结果不同，请核查。"))


def register(router):
    router.add_command("抽查", draw_command, roles=["group"], help="随机抽查已命名工作室（默认 3 家）")
    router.add_command("抽查结果", result_command, roles=["group"], help="登记抽查结果：合格、限期整改或撤销称号")
    router.add_command("抽查记录", list_command, roles=["group", "admin", "union"], help="查看抽查记录（含随机种子）")
    router.add_command("复现抽查", reproduce_command, roles=["group", "admin"], help="用记录的随机种子复现一次抽查")
