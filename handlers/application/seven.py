"""The 七有 check: each of the seven "haves" as ✓ met / ✗ not met / 待核实, with the reason and the data.

Each have states its rule from the 意见 (``RULES``) and judges from recorded facts: the application's
answers, the ledgers' facts (handlers/ledgers/statistics.py ``facts``) and what the leader recorded
for 制度 / 设备 / 场所 (handlers/application/seven_record.py). When the facts cannot decide, the answer
is 待核实 with what the reviewer should look at — never ✓ on a guess. ✗ is kept for what the words
clearly fail (fewer than 3 people, no venue, no 立项 in a year that is over …). Where the 意见 gives no
number (「相对合理」, 「一般不少于」), the numbers are settings (``Standard``, from bot/config.py).
"""
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from handlers.application import honours

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
MARK = {MET: "✓", NOT_MET: "✗", UNKNOWN: "待核实"}

RULES = {
    "有劳模领衔": "必须有1名劳动模范、五一劳动奖章获得者，或有专业技术特长、实践经验丰富，在本行业、本专业（工种）、"
             "本企业中有一定影响，得到业内认可的技术能手、金牌工人等高技能人才领衔",
    "有创新团队": "有一支3人以上的职工技术创新团队，团队专业技术结构、学历结构、年龄结构要相对合理",
    "有固定场所": "有面积适当、功能完备的固定场所(一般不少于20平方米），用于学习研讨、创新实践和成果荣誉展示，"
             "职工创新工作室牌匾显著，悬挂醒目位置",
    "有设备设施": "有专业技术资料、器材工具、电脑网络、实验仪器等开展创新活动的必要设备设施",
    "有工作制度": "要有团队学习、活动开展、创新计划、成果发布、奖励激励和内部管理等制度，台账详实，档案资料完整，制度上墙",
    "有经费保障": "所在单位要为职工创新工作室提供必要经费保障",
    "有创新成果": "每年至少有一项创新课题或攻关项目立项，并建立攻关项目推进计划和目标；每年至少有1项创新成果……"
             "获得省级或行业（系统）以上相关技术认定部门（认定）",
}


@dataclass(frozen=True)
class Standard:
    """The numbers the 意见 leaves to judgement (settings), the names of the group and its union,
    and the honour vocabulary (handlers/application/honours.py)."""
    min_specialties: int
    min_degree: int
    age_span: int
    young_age: int
    min_area: int
    union_name: str
    org_names: tuple
    vocabulary: tuple = honours.BUILT_IN


def standard(config, vocabulary=honours.BUILT_IN):
    """The Standard of a deployment (``config``), with the honour vocabulary in force."""
    return Standard(config.team_min_specialties, config.team_min_degree, config.team_age_span,
                    config.team_young_age, config.venue_min_area, config.union_name, (config.org_name,),
                    tuple(vocabulary))


@dataclass
class Have:
    name: str
    status: str
    reason: str
    look: str = ""          # 待核实: what the reviewer should look at
    how: str = ""           # what the leader sends to record what is missing (「发送「场所」登记」): the leader's only

    @property
    def rule(self):
        return RULES[self.name]

    def line(self, reviewer=False):
        """The have as its reader needs it: a reviewer is not told what the leader should send."""
        how = f"；{self.how}" if self.how and not reviewer else ""
        tail = f"。请核实：{self.look}" if self.status == UNKNOWN and self.look else ""
        return f"{MARK[self.status]} {self.name}：{self.reason}{how}{tail}"


def _int(v):
    return int(v) if v not in (None, "") else None


def _dec(v):
    try:
        return Decimal(str(v)) if v not in (None, "") else None
    except InvalidOperation:
        return None


def check(values, ledger=None, year=None, record=None, *, standard):
    """``values``: application answers (with computed fields); ``ledger``: facts from the ledgers;
    ``record``: what the leader recorded in chat for 制度 / 设备 / 场所; ``standard``: see Standard."""
    ledger, record = ledger or {}, record or {}
    return [
        _leader(values, standard),
        _team(values, year, standard),
        _venue(values, record.get("venue"), standard),
        _equipment(values, record.get("equipment"), ledger),
        _rules(record.get("rules"), ledger),
        _funding(values, ledger, year, standard),
        _results(values, ledger),
    ]


# -- 有劳模领衔 ------------------------------------------------------------------------------------

_LEVEL_ORDER = {level: n for n, level in enumerate(honours.LEVELS)}


def _leader(values, standard):
    rows = [r for r in values.get("leader.honours") or [] if (r.get("title") or "").strip()]
    name = values.get("leader.name") or "领衔人"
    if not rows:
        return Have("有劳模领衔", UNKNOWN, "领衔人荣誉尚未填写", "领衔人的荣誉证书")
    read = [(r, honours.read(r["title"], standard.vocabulary, standard.org_names)) for r in rows]
    titles = [(r, x) for r, x in read if x.outcome == honours.TITLE]
    if titles:
        row, best = min(titles, key=lambda t: _LEVEL_ORDER.get(t[1].honour.level, len(_LEVEL_ORDER)))
        level = f"（{best.honour.level}级）" if best.honour.level else ""
        return Have("有劳模领衔", MET, f"{name}，{row.get('year')} 年{row['title']}{level}")
    unknown = [x.why for _, x in read if x.outcome == honours.UNKNOWN]
    others = [x.why for _, x in read if x.outcome == honours.NOT_TITLE]
    if unknown:
        return Have("有劳模领衔", UNKNOWN, "未能确认领衔人有劳动模范、五一劳动奖章或技术能手等称号："
                    + "；".join(unknown + others),
                    "荣誉证书；名录外的称号，集团工会办公室确认后可加入荣誉名录")
    return Have("有劳模领衔", NOT_MET, "荣誉中没有劳动模范、五一劳动奖章或技术能手等称号：" + "；".join(others))


# -- 有创新团队 ------------------------------------------------------------------------------------

HIGHER = ("博士研究生", "硕士研究生", "大学本科")


def _age(birth, year):
    text = str(birth or "")
    return year - int(text[:4]) if year and len(text) >= 4 and text[:4].isdigit() else None


def _team(values, year, standard):
    """3 人以上 (✗ below), and the structure (专业、学历、年龄) of the leader and core members:
    below the settings it is 待核实, not ✓."""
    members = _int(values.get("basics.members"))
    if members is None:
        return Have("有创新团队", UNKNOWN, "成员总数尚未填写", "成员名单")
    reason = f"{members} 人（要求 3 人以上）"
    if members < 3:
        return Have("有创新团队", NOT_MET, reason)
    rows = values.get("members") or []
    if not rows:
        return Have("有创新团队", UNKNOWN, f"{reason}；骨干成员尚未填写，团队结构（专业、学历、年龄）无法核对",
                    "骨干成员名单及其专业、学历、出生年月")
    leader = {"education": values.get("leader.education"), "birth": values.get("leader.birth")}
    people = rows + ([leader] if any(leader.values()) else [])
    roles = sorted({(r.get("role") or "").strip() for r in rows if (r.get("role") or "").strip()})
    degree = sum(p.get("education") in HIGHER for p in people)
    ages = [a for a in (_age(p.get("birth"), year) for p in people) if a is not None]
    facts, weak = [f"分工 {len(roles)} 种", f"本科及以上 {degree} 人"], []
    if len(roles) < standard.min_specialties:
        weak.append(f"骨干成员都是同一专业（{roles[0]}）" if len(roles) == 1 else
                    f"骨干成员分工 {len(roles)} 种，少于 {standard.min_specialties} 种")
    if degree < standard.min_degree:
        weak.append("没有本科及以上学历的骨干成员" if degree == 0 else
                    f"本科及以上学历 {degree} 人，少于 {standard.min_degree} 人")
    if ages:
        facts.append(f"年龄 {min(ages)}—{max(ages)} 岁")
        if max(ages) - min(ages) < standard.age_span:
            weak.append(f"年龄相差 {max(ages) - min(ages)} 岁，不到 {standard.age_span} 岁")
        if standard.young_age and min(ages) > standard.young_age:
            weak.append(f"没有 {standard.young_age} 岁及以下的骨干成员")
    else:
        weak.append("出生年月未填写，年龄结构无法核对")
    reason += f"；骨干成员 {len(rows)} 人：{'，'.join(facts)}"
    if weak:
        return Have("有创新团队", UNKNOWN, f"{reason}；结构不够合理：{'；'.join(weak)}",
                    "团队的专业技术结构、学历结构、年龄结构是否相对合理")
    return Have("有创新团队", MET, reason)


# -- 有固定场所 ------------------------------------------------------------------------------------

# the place's functions the 意见 names, and the words seven_record keeps for each
VENUE_FUNCTIONS = {"学习研讨": ("学习", "研讨"), "创新实践": ("创新实践",), "成果荣誉展示": ("展示",)}


def _files(entry):
    return f"，附文件 {entry['files']} 份" if entry.get("files") else ""


def _venue(values, entry, standard):
    area = _dec(values.get("basics.area"))
    if area is None:
        return Have("有固定场所", UNKNOWN, "场所面积尚未填写", "场所面积")
    if area <= 0:
        return Have("有固定场所", NOT_MET, "没有固定场所（场所面积为 0）")
    reason = f"{values.get('basics.area')} 平方米（一般不少于 {standard.min_area}）"
    doubts = [f"面积不足 {standard.min_area} 平方米"] if area < standard.min_area else []
    look = "场所照片：牌匾是否显著、悬挂醒目，场所是否用于学习研讨、创新实践和成果荣誉展示"
    if entry is None:
        return Have("有固定场所", UNKNOWN, f"{reason}；牌匾和场所功能尚未登记", look, how="发送「场所」登记")
    kinds = entry["kinds"]
    uses = [k for k in kinds if k != "挂牌"]
    plaque = "挂牌" in kinds
    lacking = [f for f, words in VENUE_FUNCTIONS.items() if not any(w in kinds for w in words)]
    reason += "；" + ("已挂牌" if plaque else "未挂牌") + "；" + (f"用于{'、'.join(uses)}" if uses else "未登记场所功能")
    if lacking and uses:
        reason += f"（未用于{'、'.join(lacking)}）"
    reason += _files(entry)
    if not plaque:
        doubts.append("未登记牌匾")
    if lacking:
        doubts.append(f"未登记用于{'、'.join(lacking)}")
    if doubts:
        return Have("有固定场所", UNKNOWN, f"{reason}；{'；'.join(doubts)}", look)
    return Have("有固定场所", MET, reason)


# -- 有设备设施 ------------------------------------------------------------------------------------

EQUIPMENT_KINDS = ("资料", "器材", "电脑网络", "实验仪器")
# What a studio of each type needs; "maybe": needed or not depends on the work (待核实 when missing).
NEEDS = {
    "技术攻关": {"need": EQUIPMENT_KINDS, "maybe": ()},
    "技能传授": {"need": ("资料", "器材", "电脑网络"), "maybe": ("实验仪器",)},
    "窗口服务": {"need": ("资料", "器材", "电脑网络"), "maybe": ()},
    "其他": {"need": ("资料", "器材", "电脑网络"), "maybe": ("实验仪器",)},
}
UNTYPED = {"need": ("资料", "器材", "电脑网络"), "maybe": ("实验仪器",)}


def _needs(studio_type):
    types = studio_type if isinstance(studio_type, (list, tuple)) else [studio_type] if studio_type else []
    types = [str(t).partition("（")[0] for t in types]         # 其他（智能建造） is 其他
    found = [NEEDS[t] for t in types if t in NEEDS]
    if not found:
        return UNTYPED
    need = [k for k in EQUIPMENT_KINDS if any(k in n["need"] for n in found)]
    maybe = [k for k in EQUIPMENT_KINDS if k not in need and any(k in n["maybe"] for n in found)]
    return {"need": tuple(need), "maybe": tuple(maybe)}


def _equipment(values, entry, ledger):
    n = ledger.get("equipment_entries")
    support = f"；经费台账记录设备购置 {n} 笔（仅作佐证）" if n else ""
    studio_type = values.get("basics.type")
    needs = _needs(studio_type)
    kind_text = "、".join(studio_type) if isinstance(studio_type, (list, tuple)) else studio_type
    of_type = f"{kind_text}类工作室" if studio_type else "工作室类型未填写"
    if entry is None:
        return Have("有设备设施", UNKNOWN, f"尚未登记设备设施（{'、'.join(EQUIPMENT_KINDS)}）{support}",
                    "设备设施的照片或清单", how="发送「设备」登记")
    present = [k for k in EQUIPMENT_KINDS if k in entry["kinds"]]
    head = (f"已有设备设施：{'、'.join(present)}{_files(entry)}" if present else "登记为没有设备设施")
    missing = [k for k in EQUIPMENT_KINDS if k not in present and (k in needs["need"] or k in needs["maybe"])]
    lacking = [k for k in missing if k in needs["need"]]
    depends = [k for k in missing if k in needs["maybe"]]
    not_needed = [k for k in EQUIPMENT_KINDS if k not in needs["need"] and k not in needs["maybe"]]
    reason = head + (f"；缺少：{'、'.join(missing)}" if missing else "")
    if depends:
        reason += f"（{of_type}，{'、'.join(depends)}是否必要视工作内容而定）"
    if not_needed and not missing:
        reason += f"（{of_type}不需要{'、'.join(not_needed)}）"
    reason += support
    if lacking:
        return Have("有设备设施", NOT_MET, reason)
    if depends:
        return Have("有设备设施", UNKNOWN, reason, f"开展创新活动是否需要{'、'.join(depends)}")
    return Have("有设备设施", MET, reason)


# -- 有工作制度 ------------------------------------------------------------------------------------

RULE_KINDS = ("团队学习", "活动开展", "创新计划", "成果发布", "奖励激励", "内部管理")


def _rules(entry, ledger):
    activities = ledger.get("activities_last_year")
    support = (f"；活动台账近一年记录 {activities} 次活动（仅作佐证）" if activities else
               "；近一年活动台账没有记录" if activities == 0 else "")
    if entry is None:
        return Have("有工作制度", UNKNOWN, f"尚未登记制度（{'、'.join(RULE_KINDS)}）{support}",
                    "六类制度文件和制度上墙的照片", how="发送「制度」登记")
    present = [k for k in RULE_KINDS if k in entry["kinds"]]
    missing = [k for k in RULE_KINDS if k not in present]
    head = f"已有制度：{'、'.join(present)}{_files(entry)}" if present else "登记为没有制度"
    if missing:
        return Have("有工作制度", NOT_MET, f"{head}；缺少：{'、'.join(missing)}{support}")
    reason = f"{head}（{len(RULE_KINDS)} 类齐全）{support}"
    if not entry.get("files"):
        return Have("有工作制度", UNKNOWN, f"{reason}；未附制度文件或制度上墙的照片", "制度文件和制度上墙的照片")
    if not activities:
        return Have("有工作制度", UNKNOWN, reason, "台账是否详实、档案资料是否完整（本助手的活动台账近一年没有记录）")
    return Have("有工作制度", MET, reason)


# -- 有经费保障 ------------------------------------------------------------------------------------

_UNIT_SUFFIXES = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团公司|公司)$")


def _core(name):
    return _UNIT_SUFFIXES.sub("", re.sub(r"\s+", "", name or ""))


def _is_grant(unit, standard):
    """The group union's naming grant (or any money from the group union) is not the unit's."""
    text = re.sub(r"\s+", "", unit or "")
    return bool(text) and ((standard.union_name and standard.union_name in text) or "工会联合会" in text
                           or "命名" in text)


def _is_own(unit, own):
    a, b = _core(unit), _core(own)
    return bool(a and b) and (a in b or b in a)


def _form_years(values):
    """[(tag, total or None, [(unit, amount or None)])] of the form's two 经费投入 years."""
    result = []
    for tag in ("y1", "y2"):
        total = _dec(values.get(f"funding.{tag}.amount"))
        sources = [((s.get("unit") or "").strip(), _dec(s.get("amount")))
                   for s in values.get(f"funding.{tag}.sources") or []]
        if len(sources) == 1 and sources[0][1] is None:
            sources = [(sources[0][0], total)]
        result.append((tag, total, sources))
    return result


def _funding(values, ledger, year, standard):
    own = values.get("cover.unit") or ledger.get("unit") or ""
    rows = _form_years(values)
    source = "申报表"
    if all(total is None and not sources for _, total, sources in rows) and ledger.get("funding_by_year"):
        source = "经费台账"
        rows = [(str(y), sum((_dec(s["amount"]) or 0 for s in srcs), Decimal(0)),
                 [(s["unit"], _dec(s["amount"])) for s in srcs])
                for y, srcs in sorted(ledger["funding_by_year"].items())]
    if all(total is None and not sources for _, total, sources in rows):
        return Have("有经费保障", UNKNOWN, "经费投入尚未填写，经费台账也没有收入记录", "所在单位的经费投入证明")
    if not own:
        return Have("有经费保障", UNKNOWN, "所在单位尚未填写，无法核对经费是否来自所在单位", "经费来源")
    years = {"y1": year - 2, "y2": year - 1} if year else {}
    parts, short, strangers, grants, funded = [], [], [], [], 0
    for tag, total, sources in rows:
        label = f"{years.get(tag, tag)} 年"
        if total is None and not sources:
            parts.append(f"{label}未填写")
            short.append(f"{label}经费投入未填写")
            continue
        own_money = sum((a or 0 for u, a in sources if _is_own(u, own) and not _is_grant(u, standard)), Decimal(0))
        grants += [u for u, _ in sources if _is_grant(u, standard)]
        strangers += [u for u, a in sources if u and not _is_own(u, own) and not _is_grant(u, standard)]
        unnamed = not sources and total
        parts.append(f"{label}所在单位投入 {own_money.normalize():f} 万元" if own_money
                     else f"{label}投入 {total.normalize():f} 万元，未注明来源" if unnamed
                     else f"{label}所在单位没有投入")
        funded += own_money > 0
        if not own_money:
            short.append(f"{label}没有所在单位的投入" if not unnamed else f"{label}经费来源未注明")
    reason = f"{source}：{'；'.join(parts)}"
    if grants:
        reason += f"；{'、'.join(dict.fromkeys(grants))}的经费不计（不是所在单位的经费保障）"
    strangers = list(dict.fromkeys(strangers))
    if strangers:
        reason += f"；另有其他单位投入：{'、'.join(strangers)}"
    if not short:
        return Have("有经费保障", MET, reason)
    if not funded and not strangers and all("没有所在单位的投入" in s for s in short):
        return Have("有经费保障", NOT_MET, reason)
    return Have("有经费保障", UNKNOWN, reason, f"经费来源是否为所在单位「{own}」（或其所属部门）的投入")


# -- 有创新成果 ------------------------------------------------------------------------------------

def _results(values, ledger):
    """每年: each year looked at needs a 立项 with a plan and a target after its start, and a result
    recognised at 省级 / 行业（系统） level or above (an award or a 技术认定)."""
    high_awards = sum(_int(values.get(k)) or 0 for k in
                      ("innovation.award_intl", "innovation.award_national", "innovation.award_provincial"))
    award_known = values.get("innovation.award_provincial") not in (None, "")
    by_year = ledger.get("results_by_year")
    if not by_year:
        if values.get("innovation.results") not in (None, "") and _int(values.get("innovation.results")) == 0:
            return Have("有创新成果", NOT_MET, "近两年创新成果 0 项")
        known = f"近两年省部级及以上奖 {high_awards} 项；" if award_known else "获奖情况尚未填写；"
        return Have("有创新成果", UNKNOWN, f"{known}台账没有立项记录，无法逐年核对每年的立项和成果",
                    "每年的立项文件（推进计划和目标）和省级或行业以上的获奖、技术认定证明")
    lines, missing, doubts = [], [], []
    for y in sorted(by_year, key=int):
        facts = by_year[y]
        projects, doubtful, high = facts["projects"], facts.get("doubtful", []), facts["high"]
        closed = facts.get("closed", True)
        lines.append(f"{y} 年立项 {len(projects)} 项" + (f"（{'、'.join(projects[:3])}）" if projects else "")
                     + f"、省级或行业以上成果 {len(high)} 项" + (f"（{'、'.join(high[:3])}）" if high else ""))
        if not projects:
            if doubtful:
                doubts.append(f"{y} 年的立项{'、'.join(doubtful)}")
            elif closed:
                missing.append(f"{y} 年没有立项")
            else:
                doubts.append(f"{y} 年尚未立项（年底前需要）")
        if not high:
            if not closed:
                doubts.append(f"{y} 年尚无省级或行业以上成果（年底前需要）")
            elif award_known and high_awards > 0:
                doubts.append(f"{y} 年台账没有省级或行业以上成果（申报表只填了近两年合计 {high_awards} 项）")
            else:
                missing.append(f"{y} 年没有省级或行业以上成果")
    reason = "；".join(lines)
    look = "每年的立项文件（推进计划和目标）和省级或行业以上的获奖、技术认定证明"
    if missing:
        return Have("有创新成果", NOT_MET, f"{reason}。未满足（每年都要有）：{'，'.join(missing + doubts)}")
    if doubts:
        return Have("有创新成果", UNKNOWN, f"{reason}。待核实：{'，'.join(doubts)}", look)
    return Have("有创新成果", MET, reason)


# -- the report ------------------------------------------------------------------------------------

def counts(haves):
    return {status: sum(h.status == status for h in haves) for status in (MET, UNKNOWN, NOT_MET)}


def summary(haves):
    """「七有 ✓4 待核实2 ✗1（✗ 经费保障；待核实 劳模领衔、创新团队）」."""
    n = counts(haves)
    named = [f"{MARK[s]} {'、'.join(h.name.replace('有', '', 1) for h in haves if h.status == s)}"
             for s in (NOT_MET, UNKNOWN) if n[s]]
    return f"七有 ✓{n[MET]} 待核实{n[UNKNOWN]} ✗{n[NOT_MET]}" + (f"（{'；'.join(named)}）" if named else "")


def report(haves, reviewer=False):
    """The seven haves line by line; ``reviewer``: without what the leader should send."""
    return "七有自查：\n" + "\n".join(h.line(reviewer) for h in haves)
