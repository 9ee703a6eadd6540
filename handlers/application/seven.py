"""The 七有 check: each of the seven "haves" as met / not met / unknown, with the reason and numbers."""
from dataclasses import dataclass
from decimal import Decimal

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
MARK = {MET: "✓", NOT_MET: "✗", UNKNOWN: "?"}
MODEL_TITLES = ("劳动模范", "劳模", "五一劳动奖章", "技术能手", "金牌工人", "工匠", "技能大师", "首席技师",
                "突出贡献")


@dataclass
class Have:
    name: str
    status: str
    reason: str

    def line(self):
        return f"{MARK[self.status]} {self.name}：{self.reason}"


def _int(v):
    return int(v) if v not in (None, "") else None


def check(values, ledger=None, year=None, record=None):
    """``values``: application answers (with computed fields); ``ledger``: facts from the ledgers;
    ``record``: what the leader recorded in chat for 制度 / 设备 / 场所 (handlers/application/seven_record.py)."""
    ledger = ledger or {}
    haves = []
    honours = values.get("leader.honours") or []
    name = values.get("leader.name") or "领衔人"
    titles = [h for h in honours if any(t in h.get("title", "") for t in MODEL_TITLES)]
    if titles:
        h = titles[0]
        haves.append(Have("有劳模领衔", MET, f"{name}，{h.get('year')} 年{h.get('title')}"))
    elif honours:
        haves.append(Have("有劳模领衔", NOT_MET, "荣誉中未见劳动模范、五一劳动奖章或技术能手等称号"))
    else:
        haves.append(Have("有劳模领衔", UNKNOWN, "领衔人荣誉尚未填写"))

    record = record or {}
    haves.append(_team(values, year))
    haves.append(_venue(values, record.get("venue")))
    haves.append(_equipment(record.get("equipment"), ledger))
    haves.append(_rules(record.get("rules"), ledger))

    funding = values.get("funding.y2.amount")
    if funding in (None, ""):
        haves.append(Have("有经费保障", UNKNOWN, "近一年经费投入尚未填写"))
    elif Decimal(str(funding)) > 0:
        haves.append(Have("有经费保障", MET, f"{year - 1 if year else '近一'}年经费投入 {funding} 万元"))
    else:
        haves.append(Have("有经费保障", NOT_MET, f"{year - 1 if year else '近一'}年经费投入为 0"))

    haves.append(_results(values, ledger, year))
    return haves


def _files(entry):
    return f"，附文件 {entry['files']} 份" if entry.get("files") else ""


def _kinds(have, entry, kinds, word, support, *, ask):
    """A have the six (or four) kinds of which must all be recorded; ``support``: ledger evidence."""
    support = f"；{support}（仅作佐证）" if support else ""
    if entry is None:
        return Have(have, UNKNOWN, f"尚未登记{word}（{'、'.join(kinds)}）；发送「{ask}」登记{support}")
    present = [k for k in kinds if k in entry["kinds"]]
    missing = [k for k in kinds if k not in present]
    head = f"已有{word}：{'、'.join(present)}{_files(entry)}" if present else f"登记为没有{word}"
    if missing:
        return Have(have, NOT_MET, f"{head}；缺少：{'、'.join(missing)}{support}")
    return Have(have, MET, f"{head}（{len(kinds)} 类齐全）{support}")


RULE_KINDS = ("团队学习", "活动开展", "创新计划", "成果发布", "奖励激励", "内部管理")
EQUIPMENT_KINDS = ("资料", "器材", "电脑网络", "实验仪器")
VENUE_FUNCTIONS = ("学习", "研讨", "展示")          # what the rule names the place for


def _rules(entry, ledger):
    activities = ledger.get("activities_last_year")
    support = (f"活动台账近一年记录 {activities} 次活动" if activities else
               "近一年活动台账没有记录" if activities == 0 else "")
    return _kinds("有工作制度", entry, RULE_KINDS, "制度", support, ask="制度")


def _equipment(entry, ledger):
    n = ledger.get("equipment_entries")
    support = f"经费台账记录设备购置 {n} 笔" if n else ""
    return _kinds("有设备设施", entry, EQUIPMENT_KINDS, "设备设施", support, ask="设备")


def _venue(values, entry):
    area = values.get("basics.area")
    if area in (None, ""):
        return Have("有固定场所", UNKNOWN, "场所面积尚未填写")
    reason = f"{area} 平方米（一般不少于 20）"
    if Decimal(str(area)) < 20:
        return Have("有固定场所", NOT_MET, reason)
    if entry is None:
        return Have("有固定场所", UNKNOWN, f"{reason}；牌匾和场所功能尚未登记，发送「场所」登记")
    uses = [k for k in entry["kinds"] if k != "挂牌"]
    plaque = "挂牌" in entry["kinds"]
    reason += "；" + ("已挂牌" if plaque else "未挂牌") + "；" + (f"用于{'、'.join(uses)}" if uses else "未登记场所功能")
    lacking = [f for f in VENUE_FUNCTIONS if f not in uses]
    if lacking and uses:
        reason += f"（未用于{'、'.join(lacking)}）"
    reason += _files(entry)
    return Have("有固定场所", MET if plaque and uses else NOT_MET, reason)


def _age(birth, year):
    text = str(birth or "")
    return year - int(text[:4]) if year and len(text) >= 4 and text[:4].isdigit() else None


HIGHER = ("博士研究生", "硕士研究生", "大学本科")


def _team(values, year):
    """有创新团队: 3 人以上, and the core members' structure (专业/分工、学历、年龄) — what is weak."""
    members = _int(values.get("basics.members"))
    if members is None:
        return Have("有创新团队", UNKNOWN, "成员总数尚未填写")
    reason = f"{members} 人（要求 3 人以上）"
    status = MET if members >= 3 else NOT_MET
    rows = values.get("members") or []
    if not rows:
        return Have("有创新团队", status if status == NOT_MET else UNKNOWN,
                    f"{reason}；骨干成员尚未填写，团队结构（专业、学历、年龄）无法核对")
    profs = {(r.get("role") or "").strip() for r in rows if (r.get("role") or "").strip()}
    educ = [r.get("education") for r in rows if r.get("education")]
    ages = [a for a in (_age(r.get("birth"), year) for r in rows) if a is not None]
    facts, weak = [], []
    if profs:
        facts.append(f"分工 {len(profs)} 种")
        if len(profs) == 1 and len(rows) > 1:
            weak.append(f"骨干成员都是同一专业（{next(iter(profs))}）")
    if educ:
        higher = sum(e in HIGHER for e in educ)
        facts.append(f"本科及以上 {higher} 人")
        if not higher:
            weak.append("没有本科及以上学历的骨干成员")
    if ages:
        young = sum(a < 35 for a in ages)
        facts.append(f"35 岁以下 {young} 人")
        if not young:
            weak.append("没有 35 岁以下的骨干成员")
    reason += f"；骨干成员 {len(rows)} 人：{'，'.join(facts)}" if facts else f"；骨干成员 {len(rows)} 人"
    if weak:
        reason += f"；结构偏弱：{'；'.join(weak)}"
    return Have("有创新团队", status, reason)


def _results(values, ledger, year):
    """有创新成果 — 每年: each of the 近两年 needs a 立项 and a result of 省级/行业 level or above."""
    high_awards = sum(_int(values.get(k)) or 0 for k in
                      ("innovation.award_intl", "innovation.award_national", "innovation.award_provincial"))
    award_known = values.get("innovation.award_provincial") not in (None, "")
    by_year = ledger.get("results_by_year")
    if not by_year:
        if not award_known:
            return Have("有创新成果", UNKNOWN, "获奖情况尚未填写，台账也没有立项记录")
        if high_awards == 0:
            return Have("有创新成果", NOT_MET, "近两年省部级及以上奖 0 项；台账尚无立项记录")
        return Have("有创新成果", UNKNOWN, f"近两年省部级及以上奖 {high_awards} 项；台账尚无立项记录，"
                                         "无法逐年核对每年立项")
    lines, missing, unknown = [], [], []
    for y in sorted(by_year, key=int):
        projects, high = by_year[y]["projects"], by_year[y]["high"]
        lines.append(f"{y} 年立项 {len(projects)} 项" + (f"（{'、'.join(projects[:3])}）" if projects else "")
                     + f"、省级或行业以上成果 {len(high)} 项" + (f"（{'、'.join(high[:3])}）" if high else ""))
        if not projects:
            missing.append(f"{y} 年没有立项")
        if not high:
            if award_known and high_awards > 0:
                unknown.append(f"{y} 年台账没有省级或行业以上成果（申报表只填了近两年合计 {high_awards} 项）")
            else:
                missing.append(f"{y} 年没有省级或行业以上成果")
    reason = "；".join(lines)
    if missing:
        return Have("有创新成果", NOT_MET, f"{reason}。未满足（每年都要有）：{'，'.join(missing + unknown)}")
    if unknown:
        return Have("有创新成果", UNKNOWN, f"{reason}。待核实：{'，'.join(unknown)}")
    return Have("有创新成果", MET, reason)


def summary(haves):
    met = sum(h.status == MET for h in haves)
    return f"七有 {met}/7"


def report(haves):
    return "七有自查：\n" + "\n".join(h.line() for h in haves)
