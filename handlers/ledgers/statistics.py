"""Facts and statistics drawn from the ledgers for the application and the 七有 check.

``compute`` turns the last two years of ledger entries into application answers (same JSON
shapes the form's parsers produce); ``offer`` proposes them in the form with an [采用] button
and records what was offered; ``differences`` lists where the form and the ledgers disagree (the
documents carry the form's figure); ``facts`` feeds the 七有 check.
"""
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.forms.parsers import format_wan
from handlers.application.schema import HONOURS, SKILL_GRADES, application_form
from handlers.ledgers import funding_rule, schema
from storage import applications, clock, ledgers
from storage.models import Studio

REASON = "根据台账统计"
# the fields ``compute`` can give a value for: any other field is never offered, and asking it reads nothing
OFFERED_PREFIXES = ("funding.", "innovation.", "benefit.", "talent.")
OFFERED_KEYS = frozenset({"basics.named_by", "basics.named_on"})
AWARD_KEYS = {"国际": "innovation.award_intl", "国家": "innovation.award_national",
              "省部": "innovation.award_provincial", "地市": "innovation.award_city"}
COUNT_KEYS = {"创新成果": "innovation.results", "成果转化": "innovation.applied",
              "实用新型专利": "innovation.utility", "发明专利": "innovation.invention"}


def _sum(values):
    return sum((Decimal(str(v or 0)) for v in values), Decimal(0))


def is_naming_grant(entry):
    """The one-off naming grant is the studio's income, not the units' 经费投入 of the application years."""
    return is_grant_data(entry.data or {})


def is_grant_data(data):
    """``is_naming_grant`` for a ledger entry's data (or the row ledgers_for_materials makes of it)."""
    return bool(data.get("grant")) or ledgers.GRANT_NOTE in (data.get("notes") or "") \
        or "命名" in (data.get("unit") or "")


def _funding(entries, years):
    result = {}
    for tag, year in zip(("y1", "y2"), years):
        income = [e for e in entries if e.data.get("direction") == "收入" and e.entry_date.year == year
                  and not is_naming_grant(e)]
        result[f"funding.{tag}.amount"] = format_wan(_sum(e.data.get("amount") for e in income))
        units = OrderedDict()
        for e in income:
            unit = e.data.get("unit") or "未注明单位"
            units[unit] = units.get(unit, Decimal(0)) + Decimal(str(e.data.get("amount") or 0))
        if units:
            result[f"funding.{tag}.sources"] = [{"unit": u, "amount": format_wan(a)} for u, a in units.items()]
    return result


def _innovation(entries, years):
    period = [e for e in entries if e.entry_date.year in years]
    result = {key: sum(e.data.get("kind") == kind for e in period) for kind, key in COUNT_KEYS.items()}
    for level, key in AWARD_KEYS.items():
        result[key] = sum(e.data.get("kind") == "获奖" and e.data.get("level") == level for e in period)
    return result


def _benefit(entries, years):
    benefit = [e for e in entries if e.data.get("kind") == "经济效益"]
    if not benefit:
        return {}
    result = {}
    for tag, year in zip(("y1", "y2"), years):
        of_year = [e for e in benefit if int(e.data.get("year") or e.entry_date.year) == year]
        result[f"benefit.{tag}.income"] = format_wan(_sum(e.data.get("income") for e in of_year))
        result[f"benefit.{tag}.savings"] = format_wan(_sum(e.data.get("savings") for e in of_year))
    return result


def _talent(entries, years):
    period = [e for e in entries if e.entry_date.year in years and e.data.get("kind") in ("晋升", "荣誉")]
    people = OrderedDict()
    for e in period:
        person = people.setdefault(e.data.get("name"), {"promotions": [], "honours": []})
        if e.data.get("kind") == "晋升":
            person["promotions"].append((e.entry_date, e.data.get("grade")))
        else:
            person["honours"].append((e.entry_date, e.data.get("level")))
    result = {"talent.total": len(people)}
    latest = {name: max(p["promotions"])[1] for name, p in people.items() if p["promotions"]}
    for i, grade in enumerate(SKILL_GRADES):
        result[f"talent.grade{i}"] = sum(g == grade for g in latest.values())
    for i, honour in enumerate(HONOURS):
        result[f"talent.honour{i}"] = sum(any(level == honour for _, level in p["honours"])
                                          for p in people.values())
    result["talent.list"] = [{
        "name": name,
        "promotion": "；".join(f"{d.year}年{d.month}月晋升为{g}" for d, g in sorted(p["promotions"])) or "无",
        "honour": "；".join(f"{d.year}年获{h}" for d, h in sorted(p["honours"])) or "无",
    } for name, p in people.items()]
    return result


def _naming(entries):
    """命名单位 / 命名日期 from the latest 省市工会 naming recorded (争取省市工会命名), none when there is none."""
    named = [e for e in entries if e.data.get("kind") == "命名" and e.data.get("issuer")]
    if not named:
        return {}
    latest = max(named, key=lambda e: (e.entry_date, e.id))
    return {"basics.named_by": latest.data["issuer"], "basics.named_on": latest.data.get("date")}


def compute(session, studio_id, year):
    """{application field key: value} from the ledgers for the two years before ``year``.

    A block is present only when the studio keeps the ledger it comes from (funding ledger;
    achievement ledger; 经济效益 entries; member ledger), so an unused ledger never offers zeros.
    命名单位 / 命名日期 come from the latest 省市工会 naming recorded in the achievement ledger.
    """
    years = (year - 2, year - 1)
    result = {}
    funding = ledgers.entries(session, studio_id, "funding")
    if funding:
        result.update(_funding(funding, years))
    achievements = ledgers.entries(session, studio_id, "achievement")
    if achievements:
        result.update(_innovation(achievements, years))
        result.update(_benefit(achievements, years))
        result.update(_naming(achievements))
    members = ledgers.entries(session, studio_id, "member")
    if members:
        result.update(_talent(members, years))
    return result


HIGH_LEVELS = ("国际", "国家", "省部")     # 省级或行业（系统）以上 (an industry award is recorded as 省部)


def _results_of_year(entries, year, closed):
    """The 立项 and the results recognised at 省级/行业 level or above of one year, by name: a 立项
    without a plan or with a target not after its start is ``doubtful`` (with why), not a 立项 that counts."""
    of_year = [e for e in entries if e.entry_date.year == year]
    projects, doubtful = [], []
    for e in of_year:
        if e.data.get("kind") != "立项":
            continue
        problem = schema.project_problem(e.data)
        if problem:
            doubtful.append(f"「{e.data.get('title', '')}」{problem}")
        else:
            projects.append(e.data.get("title", ""))
    high = [e.data.get("title", "") for e in of_year
            if (e.data.get("kind") == "获奖" and e.data.get("level") in HIGH_LEVELS)
            or (e.data.get("kind") == "创新成果" and e.data.get("recognition") in schema.RECOGNITION_LEVELS)]
    return {"projects": projects, "doubtful": doubtful, "high": high, "closed": closed}


def facts(session, studio_id, year, years=None):
    """Ledger facts for the 七有 check; empty while the studio keeps no ledgers (so: 待核实).

    有创新成果 is 每年: for each year looked at — ``years``, by default the two before ``year`` (近两年 of
    an application; a spot check passes the current year) — the 立项 and the results recognised at
    省级/行业 level or above (awards of level 国际/国家/省部, a 技术认定 of a 创新成果), by name; a year not
    over yet is not ``closed``. 有经费保障 reads the studio's unit and, when it keeps a funding
    ledger, the income of those years by source, the naming grant left out."""
    if not ledgers.count(session, studio_id):
        return {}
    studio = session.get(Studio, studio_id)
    unit = studio.unit.name if studio is not None and studio.unit is not None else ""
    return facts_of(ledgers.entries(session, studio_id), unit, year, clock.of(session).today(), years)


def facts_of(entries, unit, year, today, years=None):
    """``facts`` from a studio's live entries (all ledgers, oldest first) and its unit's name: the same
    facts without a query, for a list that read many studios' entries at once (the console's 总览)."""
    if not entries:
        return {}
    this_year = min(year, today.year)
    years = sorted(years or (year - 2, year - 1))
    funding = [e for e in entries if e.ledger == "funding"]
    wanted = {*years, this_year}
    achievements = [e for e in entries if e.ledger == "achievement" and e.entry_date.year in wanted]
    result = {
        "unit": unit,
        "equipment_entries": sum(funding_rule.counts_as_spent(e.data) and e.data.get("category") == "设备购置"
                                 for e in funding),
        "activities_last_year": sum(e.ledger == "activity" and e.entry_date.year == year - 1 for e in entries),
        "projects_this_year": sum(e.data.get("kind") == "立项" for e in achievements if e.entry_date.year == this_year),
        "results_by_year": {y: _results_of_year(achievements, y, y < today.year) for y in years},
    }
    if funding:
        result["funding_by_year"] = {
            y: [{"unit": e.data.get("unit") or "", "amount": e.data.get("amount")} for e in funding
                if e.data.get("direction") == "收入" and e.entry_date.year == y and not is_naming_grant(e)]
            for y in years}
    return result


@dataclass(frozen=True)
class Difference:
    key: str
    label: str              # the field's name in the form
    form: str               # the form's figure, as shown
    ledger: str             # the ledgers' figure, as shown

    def line(self):
        return (f"「{self.label}」申报表填的是 {self.form}，台账统计为 {self.ledger}；"
                f"申报表和材料使用申报表的数字（{self.form}）")


def _same(value, other):
    """Whether a form answer and a ledger figure say the same (numbers, sources, 明细 by name)."""
    if isinstance(value, list) or isinstance(other, list):
        value, other = value or [], other or []
        if (value and "name" in value[0]) or (other and "name" in other[0]):
            return sorted(r.get("name") or "" for r in value) == sorted(r.get("name") or "" for r in other)
        return sorted(map(_source, value)) == sorted(map(_source, other))
    try:
        return Decimal(str(value)) == Decimal(str(other))
    except InvalidOperation:
        return str(value) == str(other)


def _source(row):
    try:
        amount = Decimal(str(row.get("amount"))).normalize()
    except InvalidOperation:
        amount = None
    return (row.get("unit") or "").strip(), str(amount)


def _shown(item, value):
    if isinstance(value, list) and value and "name" in value[0]:
        return f"{len(value)} 人（{'、'.join(r.get('name') or '' for r in value)}）"
    if isinstance(value, list):
        return "；".join(f"{r.get('unit')} {r.get('amount')} 万元" if r.get("amount") not in (None, "")
                        else str(r.get("unit")) for r in value) or "（无）"
    return item.display(value)


def differences(year, answers, stats):
    """Where the form's statistical figures (``answers``) and the ledgers' (``stats``, from ``compute``)
    disagree, in the form's order; the documents carry the form's figure. A figure the leader has
    not answered is no difference (it is missing, and offered when asked)."""
    form = application_form(year)
    found = []
    for item in form.items:
        if item.key not in stats or answers.get(item.key) in (None, "", []):
            continue
        value, figure = answers[item.key], stats[item.key]
        if item.key.endswith(".sources") and len(value) == 1 and value[0].get("amount") in (None, ""):
            amount = answers.get(item.key.replace(".sources", ".amount"))
            value = [dict(value[0], amount=amount)]          # one source: it gave the whole amount
        if not _same(value, figure):
            found.append(Difference(item.key, item.qualified, _shown(item, value), _shown(item, figure)))
    return found


def ledger_differences(session, app, answers):
    """``differences`` of an application against its studio's ledgers (none while it keeps none)."""
    if not ledgers.any_entry(session, app.studio_id):
        return []
    return differences(app.year, answers, compute(session, app.studio_id, app.year))


def differences_note(session, app, answers):
    """What 提交 and 导出材料包 tell the leader where the form and the ledgers disagree ("" when they
    agree or the studio keeps no ledgers): each figure, and which one the documents carry."""
    found = ledger_differences(session, app, answers)
    if not found:
        return ""
    return ("注意：以下数字申报表与台账统计不一致（如以台账为准，请先修改申报表）：\n"
            + "\n".join(f"· {d.line()}" for d in found))


def offer(turn, walker, item):
    """A value for ``item`` computed from the ledgers, with the reason, or None.

    What is offered is recorded in the application's ``flags["offered"]``, so the stored answer
    is marked ``ledger`` when taken as offered and ``override`` when the leader typed another.
    """
    if not item.key.startswith(OFFERED_PREFIXES) and item.key not in OFFERED_KEYS:
        return None
    store = walker.store
    studio_id, year, flags = store.head()
    if studio_id is None:
        return None
    stats = walker.cache.get("ledger_stats")
    if stats is None:           # computed once per turn, however many fields are offered in it
        # one cheap count first: most studios answering the form keep no ledgers at all
        stats = compute(turn.session, studio_id, year) if ledgers.any_entry(turn.session, studio_id) else {}
        walker.cache["ledger_stats"] = stats
    if item.key not in stats:
        return None
    value = stats[item.key]
    offered = dict(flags.get("offered", {}))
    if offered.get(item.key) != value or item.key not in offered:
        offered[item.key] = value
        applications.set_flag(store.app, "offered", offered)
    return value, REASON
