"""Spot checks in chat: 抽查 [n] / 抽查结果 工作室 结果 [说明] / 抽查记录 / 复现抽查 n / 整改完成 情况
(the spot check and 整改 services decide)."""
import re

from sqlalchemy import select

from bot import cycle
from bot.errors import UserError
from handlers import studios
from handlers.notices import spotcheck as rules
from handlers.policy import Do
from handlers.services import rectifications, spotchecks
from storage.models import SpotCheck, SpotCheckResult

USAGE = ("请写成「抽查结果 工作室名 合格|限期整改|撤销称号 [说明]」，"
         "例如：抽查结果 王海隧道掘进劳模创新工作室 限期整改 20个工作日 台账不全；"
         "撤销称号须写明情形：工作不积极、制度不落实、保障不到位、效果不突出")
_DAYS = re.compile(r"(\d{1,3})\s*个?工作日")


def draw_command(turn, args):
    args = args.strip()
    if args and not (args.isascii() and args.isdigit() and len(args) <= 4):
        raise UserError("请写成「抽查」或「抽查 3」（抽取的家数，默认 3 家）。")
    outcome = spotchecks.draw(turn.ctx, int(args) if args else rules.DEFAULT_N)
    check = outcome["check"]
    lines = [f"已完成第 {check.id} 次抽查：从 {len(check.candidates)} 家已命名工作室中随机抽取 {len(check.chosen)} 家："]
    lines += [f"{i}. {s.name}（{s.unit.name if s.unit else ''}）" for i, s in enumerate(outcome["studios"], 1)]
    lines.append(f"材料截止：{rules.long_date(check.due_on)}（{rules.due_days(turn.config)} 个工作日）。"
                 "已通知领衔人和所在单位工会。")
    lines.append(f"随机种子 {check.seed}，候选编号 {check.candidates}；任何人可用 "
                 f"random.Random(种子).sample(候选, {len(check.chosen)}) 复现，或发送「复现抽查 {check.id}」。")
    lines.append("检查后发送「抽查结果 工作室名 合格|限期整改|撤销称号 [说明]」登记结果。")
    turn.reply("\n".join(lines))


def result_command(turn, args):
    text = args or ""
    result = next((r for r in spotchecks.RESULTS if f" {r}" in f" {text}"), None)
    if result is None:
        raise UserError(USAGE)
    name, _, note = text.partition(result)
    if not name.strip():
        raise UserError("请写明工作室名称，例如：抽查结果 王海隧道掘进劳模创新工作室 合格")
    studio = studios.find(turn.session, turn.actor, name.strip())
    note = note.strip()
    grounds = [g for g in spotchecks.GROUNDS if g in note]
    days = _DAYS.search(note) if result == "限期整改" else None
    for word in grounds + ([days.group(0)] if days else []):
        note = note.replace(word, "", 1)
    note = note.strip(" ，,、；;：:")
    outcome = spotchecks.record_result(turn.ctx, studio.id, result, note, grounds=grounds,
                                       working_days=int(days.group(1)) if days else None)
    row, rect = outcome["row"], outcome["rectification"]
    extra = "，已撤销其称号" if row.result == "撤销称号" else ""
    if rect is not None:
        extra = f"，整改期限 {rect.working_days} 个工作日（{rules.long_date(rect.deadline)} 前）"
    turn.reply(f"已登记第 {row.spot_check_id} 次抽查结果：「{studio.name}」{row.result}{extra}。已通知领衔人和所在单位工会。")


def rectified_command(turn, args):
    """整改完成 情况: the leader reports the studio's 整改 done."""
    outcome = rectifications.report(turn.ctx, args)
    rect = outcome["rectification"]
    turn.reply(f"已报告「{rect.studio.name}」整改情况，集团工会核查后会通知您结果。")


def list_command(turn, args):
    checks = turn.session.scalars(select(SpotCheck).order_by(SpotCheck.id.desc()).limit(10)).all()
    if not checks:
        turn.reply("还没有抽查记录。发送「抽查 3」随机抽查 3 家已命名工作室。")
        return
    lines = ["抽查记录（新的在前）："]
    for check in checks:
        results = {r.studio_id: r.result for r in turn.session.scalars(
            select(SpotCheckResult).where(SpotCheckResult.spot_check_id == check.id))}
        made = cycle.chinese_date(turn.clock.local(check.created_at).date())
        chosen = "、".join(f"{s.name}（{results.get(s.id) or '待登记'}）" for s in rules.studios_of(turn.session, check))
        lines.append(f"第 {check.id} 次（{made}，截止 {cycle.chinese_date(check.due_on)}）：{chosen}\n"
                     f"  种子 {check.seed}，候选 {check.candidates}")
    turn.reply("\n".join(lines))


def reproduce_command(turn, args):
    number = args.strip().lstrip("第").rstrip("次")
    if not (number.isascii() and number.isdigit() and len(number) <= 9):
        raise UserError("请写成「复现抽查 编号」，例如：复现抽查 1。发送「抽查记录」查看编号。")
    outcome = spotchecks.reproduce(turn.ctx, int(number))
    check, again, names = outcome["check"], outcome["again"], outcome["names"]
    turn.reply(f"第 {check.id} 次抽查复现：random.Random(\"{check.seed}\").sample({check.candidates}, {len(again)})\n"
               f"= {again}（{'、'.join(names.get(i, str(i)) for i in again)}）\n"
               f"记录的结果：{list(check.chosen)}\n"
               + ("一致 ✓ 抽取结果可复现。" if outcome["same"] else "不一致 ✗ 记录与复现结果不同，请核查。"))


def register(router):
    router.add_command("spotcheck", draw_command, do=Do.SPOTCHECK, help="随机抽查已命名工作室（默认 3 家）")
    router.add_command("spotcheck_result", result_command, do=Do.SPOTCHECK_RESULT,
                       help="登记抽查结果：合格、限期整改或撤销称号")
    # not listed in 帮助 (the leader's help is near WeCom's 2048 bytes): the 限期整改 result and its reminders say it
    router.add_command("rectified", rectified_command, do=Do.RECTIFY_REPORT)
    router.add_command("spotcheck_list", list_command, do=Do.SPOTCHECK_READ, help="查看抽查记录（含随机种子）")
    router.add_command("spotcheck_reproduce", reproduce_command, do=Do.SPOTCHECK_REPRODUCE,
                       help="用记录的随机种子复现一次抽查")
