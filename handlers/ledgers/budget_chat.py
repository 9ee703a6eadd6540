"""专项科研经费 in chat: 预算 (list, or ask: 预算 立项编号 金额), 预算确认 编号, 预算驳回 编号 理由."""
from bot.errors import UserError
from bot.forms.parsers import format_wan
from handlers.ledgers import schema
from handlers.ledgers.access import own_studio
from handlers.policy import Do
from handlers.services import budgets

USAGE = "用法：预算 立项编号 金额，例如「预算 12 5万元」（发送「台账 成果」查看立项的编号）。"


def _ref(text, usage):
    ref = (text or "").strip()
    if not (ref.isascii() and ref.isdigit() and len(ref) <= 9):
        raise UserError(usage)
    return int(ref)


def budget(turn, args):
    """预算: the studio's budgets (a leader or member) or the unit's pending ones (a unit union);
    预算 N 金额: the leader asks for one."""
    parts = (args or "").split(maxsplit=1)
    if parts:
        if len(parts) < 2:
            raise UserError(USAGE)
        outcome = budgets.propose(turn.ctx, _ref(parts[0], USAGE), budgets.parse_amount(parts[1]))
        entry = outcome["entry"]
        where = "已提交所在单位工会审批" if outcome["unions"] else "但所在单位还没有绑定单位工会人员，请联系管理员"
        turn.reply(f"已为立项「{entry.data.get('title')}」（编号 {entry.id}）申请专项科研经费预算 {outcome['budget']} 万元，"
                   f"{where}。批准后，记支出时写「立项：{entry.id}」即计入该预算，在本单位科研经费中列支，不计入工作室经费余额。")
        return
    if "union" in turn.roles and not ({"leader", "member"} & turn.roles):
        rows = budgets.pending(turn.ctx)
        if not rows:
            turn.reply("目前没有待审批的专项科研经费预算。")
            return
        turn.reply("待审批的专项科研经费预算：\n" + "\n".join(
            f"编号 {e.id} {s.name}：立项「{e.data.get('title')}」预算 {e.data.get('budget')} 万元" for e, s in rows)
            + "\n发送「预算确认 编号」或「预算驳回 编号 理由」。")
        return
    studio = own_studio(turn)
    rows = budgets.of_studio(turn.session, studio.id)
    if not rows:
        turn.reply("还没有立项申请专项科研经费预算。" + USAGE)
        return
    lines = [f"{studio.name} 专项科研经费（在本单位科研经费中列支，不计入工作室经费余额）："]
    for entry, now in rows:
        state = schema.BUDGET_STATES.get(now.state, now.state)
        lines.append(f"编号 {entry.id} 立项「{entry.data.get('title')}」：预算 {format_wan(now.budget)} 万元（{state}），"
                     f"已列支 {format_wan(now.spent)} 万元，尚余 {format_wan(now.left)} 万元")
    turn.reply("\n".join(lines))


def confirm(turn, args):
    outcome = budgets.decide(turn.ctx, _ref(args, "请写上立项编号，例如「预算确认 12」。"), True)
    entry = outcome["entry"]
    turn.reply(f"已批准{outcome['studio'].name}立项「{entry.data.get('title')}」（编号 {entry.id}）的专项科研经费预算 "
               f"{outcome['data']['budget']} 万元，已告知领衔人。")


def refuse(turn, args):
    ref, _, reason = (args or "").strip().partition(" ")
    outcome = budgets.decide(turn.ctx, _ref(ref, "请写上立项编号和理由，例如「预算驳回 12 预算明细不清」。"), False, reason)
    turn.reply(f"已驳回编号 {outcome['entry'].id} 的专项科研经费预算（理由：{outcome['reason']}），已告知领衔人。")


def register(router):
    router.add_command("budget", budget, do=Do.LEDGER_READ, help="立项的专项科研经费预算")
    router.add_command("budget_confirm", confirm, do=Do.BUDGET_APPROVE, help="批准立项预算：预算确认 编号")
    router.add_command("budget_refuse", refuse, do=Do.BUDGET_APPROVE, help="驳回立项预算：预算驳回 编号 理由")
