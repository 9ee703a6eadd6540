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


def check(values, ledger=None, year=None):
    """``values``: application answers (with computed fields); ``ledger``: facts from the ledgers."""
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

    members = _int(values.get("basics.members"))
    if members is None:
        haves.append(Have("有创新团队", UNKNOWN, "成员总数尚未填写"))
    else:
        haves.append(Have("有创新团队", MET if members >= 3 else NOT_MET, f"{members} 人（要求 3 人以上）"))

    area = values.get("basics.area")
    if area in (None, ""):
        haves.append(Have("有固定场所", UNKNOWN, "场所面积尚未填写"))
    else:
        ok = Decimal(str(area)) >= 20
        haves.append(Have("有固定场所", MET if ok else NOT_MET, f"{area} 平方米（一般不少于 20）"))

    equipment = ledger.get("equipment_entries")
    if equipment:
        haves.append(Have("有设备设施", MET, f"经费台账记录设备购置 {equipment} 笔"))
    else:
        haves.append(Have("有设备设施", UNKNOWN, "申报表无此项；请在附件2中说明，或在经费台账记录设备购置"))

    activities = ledger.get("activities_last_year")
    if activities:
        haves.append(Have("有工作制度", MET, f"活动台账近一年记录 {activities} 次活动"))
    elif activities == 0:
        haves.append(Have("有工作制度", NOT_MET, "近一年活动台账没有记录"))
    else:
        haves.append(Have("有工作制度", UNKNOWN, "尚无台账记录；制度材料请随申报材料装订"))

    funding = values.get("funding.y2.amount")
    if funding in (None, ""):
        haves.append(Have("有经费保障", UNKNOWN, "近一年经费投入尚未填写"))
    elif Decimal(str(funding)) > 0:
        haves.append(Have("有经费保障", MET, f"{year - 1 if year else '近一'}年经费投入 {funding} 万元"))
    else:
        haves.append(Have("有经费保障", NOT_MET, f"{year - 1 if year else '近一'}年经费投入为 0"))

    haves.append(_results(values, ledger, year))
    return haves


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
