"""The read-only ledger commands: 台账 (counts or one ledger's list), 本年成果, 经费余额 and 台账帮助."""
import re
from decimal import Decimal

from storage import clock
from bot.forms.parsers import format_wan
from handlers.ledgers import funding_rule, quick, schema
from handlers.ledgers.access import studio_for_reading
from storage import ledgers

LIST_LIMIT = 30


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
    year = clock.of(session).today().year
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
    year = turn.clock.today().year
    turn.reply(listing(turn, studio, "achievement", [year], f"{year} 年"))


def balance(turn, args):
    studio = studio_for_reading(turn, args.strip(), "经费余额")
    if studio is None:
        return
    year = turn.clock.today().year
    rows = ledgers.entries(turn.session, studio.id, "funding", years=[year])
    income = sum((Decimal(e.data["amount"]) for e in rows if e.data.get("direction") == "收入"), Decimal(0))
    spent = sum((Decimal(e.data["amount"]) for e in rows
                 if funding_rule.counts_as_spent(e.data) and ledgers.on_balance(e.data)), Decimal(0))
    charged = sum((Decimal(e.data["amount"]) for e in rows
                   if funding_rule.counts_as_spent(e.data) and not ledgers.on_balance(e.data)), Decimal(0))
    held = sum(not ledgers.counted(e.data) for e in rows)
    total = ledgers.balance(turn.session, studio.id)
    flag = "（支出已超过收入，请核对）" if total < 0 else ""
    turn.reply(f"{studio.name} 经费余额：{format_wan(total)} 万元{flag}\n"
               f"{year} 年收入 {format_wan(income)} 万元，支出 {format_wan(spent)} 万元"
               + (f"（另有 {held} 笔支出待单位工会确认，确认前不计入）" if held else "") + "。\n"
               + (f"立项专项科研经费支出 {format_wan(charged)} 万元（由所在单位科研经费列支，不计入工作室余额）。\n"
                  if charged else "") +
               "经费仅限用于设备购置、研究费用和成果推广。", [("经费台账", f"台账 经费 {studio.name}")])


def grammar(turn, args):
    turn.reply(quick.GRAMMAR)
