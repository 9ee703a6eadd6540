"""Which fields of the application a reviewer's comment names: by label, alias or the block's name, with its year.

A 退回 flags the fields its comment names and no others (the leader is led through each). The
names are the form's own (handlers/application/schema.py): a field's qualified label and aliases
always; its bare label when the form has it once and it says enough on its own (「成员总数」, not
「总数」 or 「国家」); a label the form repeats per year (「创收金额」) for the years the comment
mentions (both when it mentions none); and the names of blocks as the printed form heads them
(「经费投入」, 「经济效益」, 「技术创新」, 「专利」 …) for the fields under them. The longest name wins:
「培养人才总数」 is that field, not also 「培养人才」's; 「高级技师」 is not also 「技师」. A bare label of
the leader's block (「出生年月」) in a comment about the core members (「骨干成员中孙立的出生年月有误」)
is the members' column, not the leader's field, unless the comment says 「领衔人」.

``sections(form)`` lists the blocks with their fields, for the reviewer to add fields by button.
"""
import re

from bot.forms.parsers import to_halfwidth
from bot.forms.schema import Group

LEADER_BLOCK = "工作室领衔人情况"
MIN_BARE = 3            # a bare label shorter than this (总数, 国家, 技师) names nothing on its own
# names the printed form gives a set of fields: name -> (blocks whose asked fields it names, or keys)
GROUP_NAMES = {
    "经费投入": ("blocks", "经费投入"),
    "经费": ("blocks", "经费投入"),
    "经济效益": ("blocks", "经济效益"),
    "技术创新": ("blocks", "技术创新"),
    "获奖等级": ("keys", ("innovation.award_intl", "innovation.award_national", "innovation.award_provincial",
                      "innovation.award_city")),
    "专利类别": ("keys", ("innovation.utility", "innovation.invention")),
    "专利": ("keys", ("innovation.utility", "innovation.invention")),
    "技术等级": ("keys", tuple(f"talent.grade{i}" for i in range(5))),
    "培养人才": ("blocks", "培养人才"),
}


def _fold(text):
    return re.sub(r"\s+", "", to_halfwidth(text or ""))


def _years_in(text, years):
    """The application's report years a comment mentions (2024, 2024年, 24年)."""
    found = set()
    for year in years:
        if re.search(rf"(?<!\d){year}(?!\d)|(?<!\d){year % 100}年", text):
            found.add(year)
    return found


def _year_of(item):
    m = re.search(r"（(\d{4})年）", item.block)
    return int(m.group(1)) if m else None


def _vocabulary(form):
    """[(name, keys, kind)] every name a comment may use; kind: "field" (a name of one field),
    "label" (a label the form repeats by year), "leader" (a bare label of the leader's block),
    "group" (a block's name)."""
    asked = list(form.asked)
    by_label = {}
    for item in asked:
        by_label.setdefault(item.label, []).append(item)
    names = []
    for item in asked:
        leader = item.block == LEADER_BLOCK
        for name in {item.qualified, *item.aliases}:
            if leader and "领衔人" not in name:
                if len(name) >= MIN_BARE:       # 专业/工种 yes, 专业 and 电话 alone no
                    names.append((name, (item.key,), "leader"))
            else:
                names.append((name, (item.key,), "field"))
    for label, items in by_label.items():
        if len(items) == 1:
            item = items[0]
            if len(label) >= MIN_BARE or isinstance(item, Group) or item.kind == "longtext":
                names.append((label, (item.key,), "leader" if item.block == LEADER_BLOCK else "field"))
        elif len({_year_of(i) for i in items}) == len(items) and len(label) >= 2:
            names.append((label, tuple(i.key for i in items), "label"))
    for name, (how, what) in GROUP_NAMES.items():
        if how == "blocks":
            keys = tuple(i.key for i in asked if i.block.partition("（")[0] == what)
        else:
            keys = tuple(k for k in what if k in form.by_key)
        if keys:
            names.append((name, keys, "group"))
    return names


def named(form, text, year):
    """The keys of the fields ``text`` names, in the form's order (see the module's docstring)."""
    said = _fold(text)
    if not said:
        return []
    hits = []           # (start, end, keys, kind)
    for name, keys, kind in _vocabulary(form):
        name = _fold(name)
        for m in re.finditer(re.escape(name), said):
            hits.append((m.start(), m.end(), keys, kind))
    # the longest name wins: a hit inside a longer one is part of that name
    hits = [h for h in hits if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0])
                                       for o in hits)]
    years = _years_in(said, (year - 2, year - 1))
    members = bool(re.search("成员(?!总数)|明细", said))     # the rows' columns, not the leader's fields
    leader_said = "领衔人" in said
    found = set()
    for _, _, keys, kind in hits:
        if kind == "leader" and members and not leader_said:
            continue        # 「骨干成员…出生年月」: the members' column
        if kind in ("label", "group") and years:
            dated = [k for k in keys if _year_of(form.by_key[k]) in years]
            undated = [k for k in keys if _year_of(form.by_key[k]) is None]
            keys = dated + undated if dated else keys
        found.update(keys)
    return [item.key for item in form.asked if item.key in found]


def sections(form):
    """[(block, [items])] of the form's asked fields, block by block in order."""
    found = []
    for item in form.asked:
        if not found or found[-1][0] != item.block:
            found.append((item.block, []))
        found[-1][1].append(item)
    return found
