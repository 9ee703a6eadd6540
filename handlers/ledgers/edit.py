"""Correcting and deleting entries (修改台账, 删除台账) and an entry's audit history (台账记录)."""
import re

from bot.actions import INT, encode
from bot.conversation.flow import Flow
from bot.errors import UserError
from bot.forms.parsers import format_wan
from bot.router import START
from handlers import policy
from handlers.ledgers import schema
from handlers.ledgers.entry import apply_labelled, begin_form, say_saved
from handlers.policy import Do, Forbidden
from handlers.services import ledgers as ledger_service
from storage import ledgers
from storage.models import Studio

DELETE = "ledger_delete"


def _entry_from_args(turn, args, verb):
    match = re.match(r"^\s*(?:编号)?\s*[#＃第]?\s*(\d{1,9})\s*号?\s*(.*)$", args or "", re.S)
    if not match:
        raise UserError(f"请写上台账编号，例如：{verb} 12。发送「台账」可以查看编号。")
    entry = ledgers.get_entry(turn.session, int(match.group(1)))
    if entry is None:
        raise UserError(f"没有找到编号为 {match.group(1)} 的台账（可能已删除）。发送「台账」可以查看编号。")
    if not policy.may_write_ledger(turn.actor, entry.studio_id):
        raise Forbidden(f"编号 {entry.id} 的台账属于其他工作室，您只能修改本工作室的台账。")
    return entry, match.group(2).strip()


def edit_entry(turn, args):
    entry, rest = _entry_from_args(turn, args, "修改台账")
    ledger = entry.ledger
    if not rest:
        begin_form(turn, ledger, entry.data, ref=entry.id, header=f"修改{schema.TITLES[ledger]} 编号 {entry.id}")
        turn.reply("要改哪一项？可以说「修改 日期」，或直接写「日期：2024年3月15日」；改完说「保存」。")
        return
    data = apply_labelled(ledger, entry.data, rest, turn.clock.today())
    if schema.missing(ledger, data):
        begin_form(turn, ledger, data, ref=entry.id, header=f"修改{schema.TITLES[ledger]} 编号 {entry.id}，类型改变后需要补充几项")
        return
    say_saved(turn, ledger_service.record(turn.ctx, entry.studio_id, ledger, data, ref=entry.id))


class LedgerDelete(Flow):
    """A deletion waiting for [确认删除]; anything else leaves it (never confirmed later by accident)."""
    name = DELETE
    transient = True
    ttl_minutes = 30
    actions = {"delete": (INT,), "keep": ()}

    def on_message(self, turn, frame):
        text = turn.incoming.text.strip()
        if text in ("确认", "确定", "是", "确认删除"):
            delete_confirmed(turn, frame.data["entry"])
            turn.stack.end(frame)
            return True
        turn.stack.end(frame)
        if text in ("取消", "不删", "算了"):
            turn.reply("好的，没有删除。")
            return True
        return False

    def on_action(self, turn, frame, action):
        turn.stack.end(frame)
        if action.verb == "delete" and action.args[0] == frame.data["entry"]:
            delete_confirmed(turn, action.args[0])
        else:
            turn.reply("好的，没有删除。")


def delete_entry(turn, args):
    entry, _ = _entry_from_args(turn, args, "删除台账")
    turn.stack.begin(DELETE, {"entry": entry.id}, str(entry.id))
    turn.reply(f"确定删除这条台账吗？\n编号 {entry.id}（{schema.TITLES[entry.ledger]}）："
               f"{schema.describe(entry.ledger, entry.data)}\n删除后不再计入查询、统计和导出，修改记录会保留。",
               [("确认删除", encode(DELETE, "delete", entry.id)), ("取消", encode(DELETE, "keep"))])


def delete_confirmed(turn, entry_id):
    if ledgers.get_entry(turn.session, entry_id) is None:
        turn.reply(f"编号 {entry_id} 的台账已经删除了。")
        return
    outcome = ledger_service.delete(turn.ctx, entry_id)
    entry = outcome["entry"]
    text = f"已删除台账（编号 {entry.id}）：{schema.describe(entry.ledger, entry.data)}。"
    if outcome["balance"] is not None:
        text += f"\n当前经费余额：{format_wan(outcome['balance'])} 万元。"
    turn.reply(text)


def history(turn, args):
    match = re.match(r"^\s*[#＃第]?\s*(\d{1,9})", args or "")
    if not match:
        raise UserError("请写上台账编号，例如：台账记录 12。")
    entry = ledgers.get_entry(turn.session, int(match.group(1)), include_deleted=True)
    if entry is None or not policy.may_read_ledgers(turn.actor, turn.session.get(Studio, entry.studio_id)):
        raise UserError(f"没有找到编号为 {match.group(1)} 的台账。")
    names = {"ledger.create": "记录", "ledger.update": "修改", "ledger.delete": "删除", "ledger.attach": "附文件"}
    lines = [f"台账（编号 {entry.id}）的修改记录："]
    for row in ledgers.audit_trail(turn.session, entry.id):
        when = turn.clock.local(row.at).strftime("%Y%m%d %H:%M")
        what = names.get(row.action, row.action)
        detail = ""
        if row.action == "ledger.update":
            detail = "：" + "；".join(schema.changes(entry.ledger, row.before or {}, row.after or {}))
        if row.detail:
            detail += f"（{row.detail}）"
        lines.append(f"· {when} {row.actor} {what}{detail}")
    turn.reply("\n".join(lines))


def register(router):
    router.add_flow(LedgerDelete(), do=Do.LEDGER_WRITE)
    router.add_command("ledger_edit", edit_entry, do=Do.LEDGER_WRITE, kind=START, help="修改一条台账，如：修改台账 12")
    router.add_command("ledger_delete", delete_entry, do=Do.LEDGER_WRITE, kind=START,
                       help="删除一条台账，如：删除台账 12")
    router.add_command("ledger_history", history, do=Do.LEDGER_READ, help="查看一条台账的修改记录，如：台账记录 12")
