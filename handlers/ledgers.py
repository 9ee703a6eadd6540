"""Studio ledgers (台账) in chat: record, confirm, correct, delete, query and export; who may do what.

Recording: a one-line quick entry (活动/成果/成员/经费 …, grammar in handlers/ledger_quick.py)
shown back with [确认] [修改] [取消], or a guided mini-form (记活动/记成果/记成员/记经费) run by
the form walker. The pending entry lives in ``state["ledger"]`` until confirmed; files sent while
confirming, or soon after saving, attach to that entry. Leaders and members write to their own
studio; the unit union reads its unit's studios, the group union reads all.
"""
import re
from decimal import Decimal

import click
from sqlalchemy import select

from bot import clock, files
from bot.errors import UserError
from bot.forms.parsers import format_wan
from bot.forms.walker import Host, StateStore
from handlers import forms, ledger_quick as quick, ledger_schema as schema
from storage import ledgers
from storage.models import Person, Studio

WRITERS = ("leader", "member")
READERS = ("leader", "member", "union", "group")
LIST_LIMIT = 30
CONFIRM_BUTTONS = [("确认", "ledger:confirm"), ("修改", "ledger:edit"), ("取消", "ledger:cancel")]


# --- who may read and write ------------------------------------------------------------------

def own_studio(turn):
    """The studio a leader or member writes to."""
    person = turn.person
    studio = turn.session.get(Studio, person.studio_id) if person.studio_id else None
    if studio is None:
        raise UserError("您还没有关联到任何工作室，暂不能记录台账。请联系管理员绑定工作室。")
    return studio


def readable_studios(turn):
    """Studios whose ledgers the user may read, by name."""
    person, roles, session = turn.person, turn.roles, turn.session
    if "group" in roles:
        return session.scalars(select(Studio).order_by(Studio.name)).all()
    found = {}
    if "union" in roles and person.unit_id:
        for studio in session.scalars(select(Studio).where(Studio.unit_id == person.unit_id)):
            found[studio.id] = studio
    if roles & set(WRITERS) and person.studio_id:
        studio = session.get(Studio, person.studio_id)
        found[studio.id] = studio
    return sorted(found.values(), key=lambda s: s.name)


def check_read(turn, studio):
    if studio.id in {s.id for s in readable_studios(turn)}:
        return
    if "union" in turn.roles:
        raise UserError(f"「{studio.name}」不属于本单位，单位工会只能查看本单位工作室的台账。")
    raise UserError(f"您只能查看本工作室的台账，不能查看「{studio.name}」的台账。")


def check_write(turn, entry):
    if not (turn.roles & set(WRITERS)) or turn.person.studio_id != entry.studio_id:
        raise UserError(f"编号 {entry.id} 的台账属于其他工作室，您只能修改本工作室的台账。")


def find_studio(session, name):
    name = re.sub(r"\s+", "", name)
    studio = session.scalar(select(Studio).where(Studio.name == name))
    if studio is not None:
        return studio
    hits = [s for s in session.scalars(select(Studio)) if name in s.name]
    if len(hits) == 1:
        return hits[0]
    raise UserError(f"没有找到工作室「{name}」，请写完整名称。" if not hits else
                    f"「{name}」对应多个工作室：{'、'.join(s.name for s in hits[:6])}，请写完整名称。")


def studio_for_reading(turn, name, command):
    """The studio named (checked), the user's own, or the only one they oversee; None after a pick list."""
    if name:
        studio = find_studio(turn.session, name)
        check_read(turn, studio)
        return studio
    if turn.roles & set(WRITERS) and turn.person.studio_id:
        return turn.session.get(Studio, turn.person.studio_id)
    studios = readable_studios(turn)
    if not studios:
        raise UserError("您管理的范围内还没有工作室。")
    if len(studios) == 1:
        return studios[0]
    listing = "\n".join(f"{n}. {s.name}" for n, s in enumerate(studios[:20], 1))
    turn.reply(f"请选择要查看的工作室（也可以在命令后写工作室名称）：\n{listing}",
               [(s.name, f"{command} {s.name}") for s in studios[:8]])
    return None


# --- the guided mini-forms ---------------------------------------------------------------------

class LedgerHost(Host):
    """A ledger entry being filled by the walker; answers stay in the state until saved."""
    name = "ledger"
    intro_noun = "台账"

    def form(self, turn, fstate):
        ledger = fstate["ledger"]
        return schema.form_for(ledger, fstate.get("answers", {}).get(schema.kind_key(ledger)))

    def store(self, turn, fstate):
        return StateStore(fstate)

    def commands(self):
        return {"保存": lambda turn, walker, args: walker.submit(), "取消": self.cancel, "放弃": self.cancel}

    @staticmethod
    def cancel(turn, walker, args):
        """Nothing is saved yet, so cancelling needs no confirmation (a typed 确认 would be read as an answer)."""
        turn.state.pop("form", None)
        turn.state.pop("flow", None)
        word = f"记{schema.SHORT[walker.fstate['ledger']]}"
        turn.reply(f"已取消，这条台账没有保存。需要时再发送「{word}」。")

    def submit_label(self):
        return "保存"

    def on_answer(self, turn, walker, item, value):
        ledger = walker.fstate["ledger"]
        if item.key == schema.kind_key(ledger):
            walker.form = self.form(turn, walker.fstate)      # another kind asks other fields
        if ledger == "funding" and item.key == "amount" and walker.answers.get("direction") == "支出":
            return _over_balance_note(turn, value, walker.fstate.get("ref"))
        return ""

    def preview_extra(self, turn, walker):
        if walker.fstate["ledger"] == "funding":
            return f"当前经费余额：{format_wan(ledgers.balance(turn.session, own_studio(turn).id))} 万元"
        return ""

    def submit(self, turn, walker):
        fstate = walker.fstate
        turn.state.pop("form", None)
        turn.state.pop("flow", None)
        save(turn, fstate["ledger"], walker.answers, fstate.get("ref"), fstate.get("files", []))

    def on_attachment(self, turn, walker, key, attachments):
        ids = _file_ids(turn, attachments)
        walker.fstate["files"] = list(walker.fstate.get("files", [])) + ids
        turn.reply(f"已收到 {len(ids)} 个文件，保存这条台账时一并附上。")


HOST = forms.add_host(LedgerHost())


def begin_form(turn, ledger, answers, *, ref=None, file_ids=(), header=None):
    """Enter a mini-form; with answers beyond the kind (an entry being corrected or completed) only the
    required fields still empty are asked, optional ones left empty count as skipped."""
    turn.state.pop("ledger", None)
    skipped = []
    if set(answers) - {schema.kind_key(ledger)}:
        form = schema.form_for(ledger, answers.get(schema.kind_key(ledger)))
        skipped = sorted(i.key for i in form.items if i.optional and answers.get(i.key) in (None, ""))
    fstate = {"ledger": ledger, "answers": dict(answers), "skipped": skipped, "ref": ref, "files": list(file_ids)}
    header = header or f"好的，记一条{schema.NOUN[ledger]}台账"
    return forms.begin(turn, HOST, fstate, header)


def guided(ledger):
    def command(turn, args):
        own_studio(turn)
        word = f"记{schema.SHORT[ledger]}"
        if not args and ledger != "activity":
            noun = "收支" if ledger == "funding" else f"{schema.NOUN[ledger]}类型"
            turn.state["ledger"] = {"choose": ledger}
            turn.state["flow"] = "ledger"
            turn.reply(f"请选择{noun}：", [(k, f"{word} {k}") for k in schema.KINDS[ledger]])
            return
        answers = {schema.kind_key(ledger): schema.parse_kind(ledger, args)} if args else {}
        begin_form(turn, ledger, answers)
    command.__name__ = f"guided_{ledger}"
    return command


# --- quick entry and its confirmation ------------------------------------------------------------

def quick_entry(ledger):
    def command(turn, args):
        own_studio(turn)
        data = quick.parse_line(ledger, args)
        missing = schema.missing(ledger, data)
        if missing:
            form = schema.form_for(ledger, data.get(schema.kind_key(ledger)))
            known = "，".join(f"{i.qualified} {i.display(data[i.key])}" for i in form.items if i.key in data)
            turn.reply(f"已识别：{known}。还缺少：{'、'.join(missing)}，请逐项补充。")
            begin_form(turn, ledger, data, header=f"继续记这条{schema.NOUN[ledger]}台账")
            return
        show_pending(turn, ledger, data)
    command.__name__ = f"quick_{ledger}"
    return command


def show_pending(turn, ledger, data, ref=None, file_ids=()):
    turn.state["ledger"] = {"pending": {"ledger": ledger, "data": data, "ref": ref, "files": list(file_ids)}}
    turn.state["flow"] = "ledger"
    verb = f"修改台账（编号 {ref}）为" if ref else f"记一条{schema.NOUN[ledger]}"
    lines = [f"{verb}：{schema.describe(ledger, data)}。"]
    note = schema.later_note(ledger, data)
    if ledger == "funding":
        if data.get("direction") == "支出":
            note = _over_balance_note(turn, data["amount"], ref) or note
        note = note or f"当前经费余额 {format_wan(ledgers.balance(turn.session, own_studio(turn).id))} 万元。"
    if note:
        lines.append(note if note.endswith("。") else note + "。")
    lines.append("可以附上照片或文件作为证明材料。")
    turn.reply("\n".join(lines), CONFIRM_BUTTONS)


def _over_balance_note(turn, amount, ref=None):
    balance = ledgers.balance(turn.session, own_studio(turn).id)
    if ref:
        entry = ledgers.get_entry(turn.session, ref)
        if entry is not None and entry.ledger == "funding":
            balance -= ledgers.signed_amount(entry)
    if Decimal(str(amount)) > balance:
        return f"注意：这笔支出超过当前经费余额（{format_wan(balance)} 万元），仍可保存，会标注为超出余额"
    return ""


def _pending(turn):
    return (turn.state.get("ledger") or {}).get("pending")


def confirm(turn):
    pending = _pending(turn)
    if pending is None:
        turn.reply("没有待确认的台账。")
        return
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    save(turn, pending["ledger"], pending["data"], pending.get("ref"), pending.get("files", []))


def edit_pending(turn, label=""):
    pending = _pending(turn)
    if pending is None:
        turn.reply("没有待确认的台账。")
        return
    header = f"修改这条{schema.NOUN[pending['ledger']]}台账"
    walker = begin_form(turn, pending["ledger"], pending["data"], ref=pending.get("ref"),
                        file_ids=pending.get("files", []), header=header)
    if label:
        walker.edit(label)
        turn.state["form"] = walker.fstate
    else:
        turn.reply("要改哪一项？可以说「修改 日期」，或直接写「日期：2024年3月15日」。")


def cancel_pending(turn):
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    turn.reply("已取消，这条台账没有保存。")


def apply_labelled(ledger, data, text):
    """``字段：值`` applied to an entry's data (parsed by that field); returns the new data."""
    match = re.match(r"^\s*([^:：]{1,24}?)\s*[:：]\s*(.+)$", text, re.S)
    form = schema.form_for(ledger, data.get(schema.kind_key(ledger)))
    items = form.lookup(match.group(1)) if match else []
    if not items:
        names = "、".join(i.qualified for i in form.items)
        raise UserError(f"请用「字段：值」的写法，例如「日期：2024年3月15日」。可改的字段：{names}。")
    item = items[0]
    new = dict(data)
    new[item.key] = item.parse(match.group(2).strip(), new)
    return new


# --- saving, attachments -------------------------------------------------------------------------

def _file_ids(turn, attachments):
    ids = []
    for att in attachments:
        stored = files.lookup_in(turn.session, att.ref)
        if stored is not None:
            ids.append(stored.id)
    return ids


def save(turn, ledger, answers, ref=None, file_ids=()):
    """Create or correct an entry from confirmed answers, attach files, and say what was saved."""
    studio = own_studio(turn)
    data = schema.clean(ledger, answers)
    missing = schema.missing(ledger, data)
    if missing:
        raise UserError(f"这条台账还缺少：{'、'.join(missing)}，暂不能保存。")
    if ledger == "funding" and data.get("direction") == "支出":
        schema.refuse_forbidden(data.get("category"), data.get("purpose"))
        if _over_balance_note(turn, data["amount"], ref):
            data["over_balance"] = True
    on_date = schema.entry_date(ledger, data)
    person_id = turn.person.id
    if ref:
        entry = ledgers.get_entry(turn.session, ref)
        if entry is None:
            raise UserError(f"编号 {ref} 的台账已不存在（可能已删除）。")
        check_write(turn, entry)
        keep = {k: v for k, v in (entry.data or {}).items()
                if k not in schema.form_keys(ledger) and k != "over_balance"}
        data = {**keep, **data}
        before = ledgers.update_entry(turn.session, entry, data, on_date, person_id)
        diff = schema.changes(ledger, before, data)
        text = f"✓ 已修改台账（编号 {entry.id}）：" + ("；".join(diff) if diff else "内容没有变化") + "。"
    else:
        entry = ledgers.add_entry(turn.session, studio.id, ledger, data, on_date, person_id)
        text = f"✓ 已记入{schema.TITLES[ledger]}（编号 {entry.id}）：{schema.describe(ledger, data)}。"
    for file_id in file_ids:
        ledgers.attach(turn.session, entry.id, file_id, person_id)
    if file_ids:
        text += f"\n已附证明材料 {len(file_ids)} 份。"
    if ledger == "funding":
        balance = ledgers.balance(turn.session, studio.id)
        text += f"\n当前经费余额：{format_wan(balance)} 万元" + ("（支出已超过收入，请核对）。" if balance < 0 else "。")
    note = schema.later_note(ledger, data)
    if note:
        text += f"\n{note}"
    text += "\n如有照片或文件，现在直接发送即可附在这条台账下。"
    until = (clock.utcnow() + ledgers.recent_window()).isoformat()
    turn.state["ledger"] = {"last": {"id": entry.id, "until": until}}
    turn.state["flow"] = "ledger"
    short = schema.SHORT[ledger]
    turn.reply(text, [(f"再记一条{short}", f"记{short}"), ("查看台账", f"台账 {short}")])


def attach_to_last(turn, last):
    ids = _file_ids(turn, turn.incoming.attachments)
    for file_id in ids:
        ledgers.attach(turn.session, last["id"], file_id, turn.person.id)
    turn.reply(f"已将 {len(ids)} 个文件附在台账（编号 {last['id']}）下。")


def flow(turn):
    """Confirming a pending entry, and files sent right after saving one."""
    state = turn.state.get("ledger") or {}
    text = (turn.incoming.text or "").strip()
    attachments = turn.incoming.attachments and not text
    if state.get("pending"):
        if attachments:
            pending = dict(state["pending"])
            ids = _file_ids(turn, turn.incoming.attachments)
            pending["files"] = list(pending.get("files", [])) + ids
            turn.state["ledger"] = {"pending": pending}
            turn.reply(f"已收到 {len(ids)} 个文件，确认后附在这条台账下。", CONFIRM_BUTTONS)
            return True
        if text in ("确认", "确定", "是", "保存"):
            confirm(turn)
            return True
        if text in ("取消", "不要", "算了"):
            cancel_pending(turn)
            return True
        if text == "修改" or text.startswith("修改 "):
            edit_pending(turn, text[2:].strip())
            return True
        if re.match(r"^[^:：\s]{1,12}[:：]", text):
            pending = dict(state["pending"])
            data = apply_labelled(pending["ledger"], pending["data"], text)
            show_pending(turn, pending["ledger"], data, pending.get("ref"), pending.get("files", []))
            return True
        if text and turn.bot.router.match(text)[0] is None:
            turn.reply("请先确认刚才这条台账：确认保存、修改，或取消。", CONFIRM_BUTTONS)
            return True
        return False
    if state.get("choose"):
        turn.state.pop("ledger", None)
        turn.state.pop("flow", None)
        if text and turn.bot.router.match(text)[0] is None:
            ledger = state["choose"]
            begin_form(turn, ledger, {schema.kind_key(ledger): schema.parse_kind(ledger, text)})
            return True
        return False
    if state.get("delete"):
        if text in ("确认", "确定", "是", "确认删除"):
            delete_confirmed(turn, state["delete"])
            return True
        turn.state.pop("ledger", None)       # anything else: a deletion is never confirmed later by accident
        turn.state.pop("flow", None)
        if text in ("取消", "不删", "算了"):
            turn.reply("好的，没有删除。")
            return True
        return False
    last = state.get("last")
    if last and last.get("until", "") >= clock.utcnow().isoformat():
        if attachments:
            attach_to_last(turn, last)
            return True
        return False
    turn.state.pop("ledger", None)
    turn.state.pop("flow", None)
    return False


def on_action(turn, arg):
    name, _, rest = arg.partition(":")
    if name == "confirm":
        confirm(turn)
    elif name == "edit":
        edit_pending(turn)
    elif name == "cancel":
        cancel_pending(turn)
    elif name == "delete":
        delete_confirmed(turn, int(rest))
    elif name == "keep":
        keep_entry(turn)
    else:
        turn.reply("这个按钮已失效，请发送「台账帮助」查看可用功能。")


# --- correcting and deleting ----------------------------------------------------------------------

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


# --- queries ----------------------------------------------------------------------------------------

def parse_query(args):
    """(ledger or None, year or None, studio name) from `[类型] [年份] [工作室名]` in any order."""
    ledger, year, rest = None, None, []
    for word in (args or "").split():
        short = re.sub(r"(台账)$", "", word)
        short = {"创新成果": "成果", "成员发展": "成员", "创建活动": "活动"}.get(short, short)
        if ledger is None and short in schema.BY_SHORT:
            ledger = schema.BY_SHORT[short]
        elif year is None and re.fullmatch(r"\d{4}年?度?", word):
            year = int(word[:4])
        else:
            rest.append(word)
    return ledger, year, "".join(rest)


def projects_line(session, studio_id):
    year = clock.today().year
    projects = [e for e in ledgers.entries(session, studio_id, "achievement", years=[year])
                if e.data.get("kind") == "立项"]
    if projects:
        return f"七有·有创新成果：今年（{year} 年）已立项 {len(projects)} 项，已满足每年至少立项 1 项的要求。"
    return f"七有·有创新成果：今年（{year} 年）还没有立项记录，要求每年至少立项 1 项。"


def query(turn, args):
    ledger, year, name = parse_query(args)
    words = " ".join(w for w in (schema.SHORT.get(ledger, ""), str(year or "")) if w)
    studio = studio_for_reading(turn, name, f"台账 {words}".strip())
    if studio is None:
        return
    span = f"{year} 年" if year else "全部"
    if ledger is None:
        lines = [f"{studio.name} 台账（{span}）："]
        for key, title in schema.TITLES.items():
            n = len(ledgers.entries(turn.session, studio.id, key, years=[year] if year else None))
            lines.append(f"· {title}：{n} 条")
        lines.append(f"经费余额：{format_wan(ledgers.balance(turn.session, studio.id))} 万元")
        lines.append(projects_line(turn.session, studio.id))
        suffix = (f" {year}" if year else "") + (f" {studio.name}" if name else "")
        turn.reply("\n".join(lines), [(s, f"台账 {s}{suffix}") for s in schema.SHORT.values()])
        return
    turn.reply(listing(turn, studio, ledger, [year] if year else None, span))


def listing(turn, studio, ledger, years, span):
    entries = ledgers.entries(turn.session, studio.id, ledger, years=years)
    lines = [f"{studio.name} · {schema.TITLES[ledger]}（{span}，共 {len(entries)} 条）："]
    if not entries:
        lines.append(f"还没有记录。发送「台账帮助」查看记录方法，例如：{quick.EXAMPLES[ledger]}")
    shown = list(reversed(entries))[:LIST_LIMIT]
    counts = ledgers.attachment_counts(turn.session, [e.id for e in shown])
    for e in shown:
        proof = f"（附件 {counts[e.id]}）" if counts.get(e.id) else ""
        lines.append(f"#{e.id} {schema.describe(ledger, e.data)}{proof}")
    if len(entries) > LIST_LIMIT:
        lines.append(f"仅显示最近 {LIST_LIMIT} 条，完整台账请发送「导出台账」。")
    if ledger == "achievement":
        lines.append(projects_line(turn.session, studio.id))
    if ledger == "funding":
        lines.append(f"经费余额：{format_wan(ledgers.balance(turn.session, studio.id))} 万元")
    return "\n".join(lines)


def this_year(turn, args):
    studio = studio_for_reading(turn, args.strip(), "本年成果")
    if studio is None:
        return
    year = clock.today().year
    turn.reply(listing(turn, studio, "achievement", [year], f"{year} 年"))


def balance(turn, args):
    studio = studio_for_reading(turn, args.strip(), "经费余额")
    if studio is None:
        return
    year = clock.today().year
    rows = ledgers.entries(turn.session, studio.id, "funding", years=[year])
    income = sum((Decimal(e.data["amount"]) for e in rows if e.data.get("direction") == "收入"), Decimal(0))
    spent = sum((Decimal(e.data["amount"]) for e in rows if e.data.get("direction") == "支出"), Decimal(0))
    total = ledgers.balance(turn.session, studio.id)
    flag = "（支出已超过收入，请核对）" if total < 0 else ""
    turn.reply(f"{studio.name} 经费余额：{format_wan(total)} 万元{flag}\n"
               f"{year} 年收入 {format_wan(income)} 万元，支出 {format_wan(spent)} 万元。\n"
               "经费仅限用于设备购置、研究费用和成果推广。", [("经费台账", f"台账 经费 {studio.name}")])


def grammar(turn, args):
    turn.reply(quick.GRAMMAR)


# --- export ----------------------------------------------------------------------------------------

def export(turn, args):
    _, year, name = parse_query(args)
    studio = studio_for_reading(turn, name, f"导出台账 {year or ''}".strip())
    if studio is None:
        return
    from handlers.ledger_export import render_ledgers_xlsx
    data = render_ledgers_xlsx(turn.session, studio, year)
    filename = f"{studio.name}-台账{f'-{year}年' if year else ''}.xlsx"
    stored = files.save(turn.bot, turn.session, filename, data, owner_person_id=turn.person.id)
    turn.reply(f"已生成台账：{filename}（活动、成果、成员发展、经费四张表）。", file=files.as_outgoing_file(turn.bot, stored))


@click.command("ledgers")
@click.option("--studio", "studio_name", required=True, help="studio name, e.g. 王海隧道掘进劳模创新工作室")
@click.option("--year", type=int, default=None, help="one calendar year (default: all)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
def ledgers_command(studio_name, year, out):
    """Export a studio's ledgers as XLSX."""
    from bot.cli import make_bot
    from handlers.ledger_export import render_ledgers_xlsx
    bot = make_bot()
    with bot.db.session() as session:
        studio = session.scalar(select(Studio).where(Studio.name == studio_name))
        if studio is None:
            raise click.ClickException(f"没有找到工作室「{studio_name}」。")
        data = render_ledgers_xlsx(session, studio, year)
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"已导出 {studio_name} 的台账到 {out}")


EXPORT_COMMANDS = [ledgers_command]


# --- registration -------------------------------------------------------------------------------------

def register(router):
    router.add_action("ledger", on_action)
    router.add_flow("ledger", flow)
    for ledger in schema.TITLES:
        short = schema.SHORT[ledger]
        router.add_command(short, quick_entry(ledger), roles=WRITERS,
                           help=f"快速记{schema.NOUN[ledger]}，如：{quick.EXAMPLES[ledger]}")
    for ledger in schema.TITLES:
        router.add_command(f"记{schema.SHORT[ledger]}", guided(ledger), roles=WRITERS,
                           help=f"逐项填写一条{schema.NOUN[ledger]}台账", preempt=True)
    router.add_command(("台账", "查看台账"), query, roles=READERS, help="查看台账，如：台账 成果 2024",
                       preempt=True)
    router.add_command("本年成果", this_year, roles=READERS, help="今年的创新成果和立项情况", preempt=True)
    router.add_command("经费余额", balance, roles=READERS, help="查看经费余额", preempt=True)
    router.add_command("修改台账", edit_entry, roles=WRITERS, help="修改一条台账，如：修改台账 12")
    router.add_command("删除台账", delete_entry, roles=WRITERS, help="删除一条台账，如：删除台账 12")
    router.add_command("台账记录", history, roles=READERS, help="查看一条台账的修改记录，如：台账记录 12")
    router.add_command("导出台账", export, roles=READERS, help="导出台账（Excel 文件），如：导出台账 2024",
                       preempt=True)
    router.add_command("台账帮助", grammar, roles=READERS, help="台账快速记录的写法")
