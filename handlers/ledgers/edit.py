"""Correcting and deleting entries (修改台账, 删除台账) and an entry's audit history (台账记录)."""
import re

from storage import clock
from bot.errors import UserError
from bot.forms.parsers import format_wan
from handlers.ledgers import schema
from handlers.ledgers.access import check_read, check_write
from handlers.ledgers.entry import apply_labelled, begin_form, save
from storage import ledgers
from storage.models import Person, Studio


def _entry_from_args(turn, args, verb):
    match = re.match(r"^\s*(?:编号)?\s*[#＃第]?\s*(\d+)\s*号?\s*(.*)$", args or "", re.S)
    if not match:
        raise UserError(f"请写上台账编号，例如：{verb} 12。发送「台账」可以查看编号。")
    entry = ledgers.get_entry(turn.session, int(match.group(1)))
    if entry is None:
        raise UserError(f"没有找到编号为 {match.group(1)} 的台账（可能已删除）。发送「台账」可以查看编号。")
    check_write(turn, entry)
    return entry, match.group(2).strip()


def edit_entry(turn, args):
    entry, rest = _entry_from_args(turn, args, "修改台账")
    ledger = entry.ledger
    if not rest:
        begin_form(turn, ledger, entry.data, ref=entry.id,
                   header=f"修改{schema.TITLES[ledger]} 编号 {entry.id}")
        turn.reply("要改哪一项？可以说「修改 日期」，或直接写「日期：2024年3月15日」；改完说「保存」。")
        return
    data = apply_labelled(ledger, entry.data, rest)
    if schema.missing(ledger, data):
        begin_form(turn, ledger, data, ref=entry.id, header=f"修改{schema.TITLES[ledger]} 编号 {entry.id}，类型改变后需要补充几项")
        return
    save(turn, ledger, data, entry.id)


def delete_entry(turn, args):
    entry, _ = _entry_from_args(turn, args, "删除台账")
    turn.state["ledger"] = {"delete": entry.id}
    turn.state["flow"] = "ledger"
    turn.reply(f"确定删除这条台账吗？\n编号 {entry.id}（{schema.TITLES[entry.ledger]}）："
               f"{schema.describe(entry.ledger, entry.data)}\n删除后不再计入查询、统计和导出，修改记录会保留。",
               [("确认删除", f"ledger:delete:{entry.id}"), ("取消", "ledger:keep")])


def answer_delete(turn, state, text):
    """A message while a deletion waits for confirmation: True when handled here."""
    if text in ("确认", "确定", "是", "确认删除"):
        delete_confirmed(turn, state["delete"])
        return True
    turn.state.pop("ledger", None)       # anything else: a deletion is never confirmed later by accident
    turn.state.pop("flow", None)
    if text in ("取消", "不删", "算了"):
        turn.reply("好的，没有删除。")
        return True
    return False


def delete_confirmed(turn, entry_id):
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    entry = ledgers.get_entry(turn.session, entry_id)
    if entry is None:
        turn.reply(f"编号 {entry_id} 的台账已经删除了。")
        return
    check_write(turn, entry)
    ledgers.delete_entry(turn.session, entry, turn.person.id)
    text = f"已删除台账（编号 {entry.id}）：{schema.describe(entry.ledger, entry.data)}。"
    if entry.ledger == "funding":
        text += f"\n当前经费余额：{format_wan(ledgers.balance(turn.session, entry.studio_id))} 万元。"
    turn.reply(text)


def keep_entry(turn):
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    turn.reply("好的，没有删除。")


def history(turn, args):
    match = re.match(r"^\s*[#＃第]?\s*(\d+)", args or "")
    if not match:
        raise UserError("请写上台账编号，例如：台账记录 12。")
    entry = ledgers.get_entry(turn.session, int(match.group(1)), include_deleted=True)
    if entry is None:
        raise UserError(f"没有找到编号为 {match.group(1)} 的台账。")
    check_read(turn, turn.session.get(Studio, entry.studio_id))
    names = {"create": "记录", "update": "修改", "delete": "删除"}
    lines = [f"台账（编号 {entry.id}）的修改记录："]
    for row in ledgers.audit(turn.session, entry.id):
        person = turn.session.get(Person, row.person_id) if row.person_id else None
        when = _local(row.at)
        what = names.get(row.action, row.action)
        detail = ""
        if row.action == "update":
            detail = "：" + "；".join(schema.changes(entry.ledger, row.before or {}, row.after or {}))
        lines.append(f"· {when} {person.name if person else ''} {what}{detail}")
    turn.reply("\n".join(lines))


def _local(moment):
    return moment.replace(tzinfo=clock.timezone.utc).astimezone(clock.TZ).strftime("%Y%m%d %H:%M")
