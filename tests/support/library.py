"""Two studios' ledgers for the 成果库 and statistics tests: achievements (one proof), talents, funding
with two held expenses (one refused by the unit union), and a funding source named by a typed string."""
from datetime import date

from sqlalchemy import select

from handlers.services import ledgers as ledger_service
from storage import ledgers
from storage.actor import Actor
from storage.models import Attachment, LedgerEntry, StoredFile
from tests.support.clock import clock
from tests.support.office import ctx, moment, office_year

ACHIEVEMENTS = [   # (studio index, kind, title, date, extra)
    (0, "立项", "沉管隧道精准对接课题", "20250310", {"plan": "年底完成样机", "target": "20251220"}),
    (0, "获奖", "沉管对接测控系统", "20250611", {"level": "省部", "issuer": "中国公路学会"}),
    (0, "创新成果", "沉管对接测控系统", "20250501", {"recognition": "行业", "recognised_by": "交通运输部"}),
    (0, "成果转化", "沉管对接测控系统", "20250901", {}),
    (1, "发明专利", "一种<b>桥梁</b>顶推装置", "20240520", {"number": "ZL2024"}),
    (1, "获奖", "桥梁顶推工法", "20241108", {"level": "国家", "issuer": "中国施工企业管理协会"}),
    (1, "创新成果", "=SUM(1,2) 智能张拉", "20250302", {}),
]


def kept_ledgers(bot, typed_unit, proof=False):
    """On 2026-03-02: two studios of two units with these ledgers; the second studio's income comes
    from ``typed_unit`` (a name as a user might type it). With ``proof`` the national award carries a
    proof file. Returns the studio ids."""
    clock.set_now(moment(2026, 3, 2))
    studios = office_year(bot, 2026, n=2)["studios"]
    system = Actor.system(channel="cli")
    with bot.db.transaction() as s:
        for i, kind, title, day, extra in ACHIEVEMENTS:
            ledgers.add_entry(s, studios[i], "achievement", {"kind": kind, "title": title, "date": day, **extra},
                              date(int(day[:4]), int(day[4:6]), int(day[6:])), system)
        if proof:
            stored = StoredFile(token="tok-proof", name="获奖证书.pdf", path="", created_at=clock.utcnow())
            s.add(stored)
            s.flush()
            award = s.scalar(select(LedgerEntry).where(LedgerEntry.data["title"].as_string() == "桥梁顶推工法"))
            s.add(Attachment(owner_kind="ledger", owner_id=award.id, field_key="proof", file_id=stored.id,
                             created_at=clock.utcnow()))
        ledgers.add_entry(s, studios[0], "achievement", {"kind": "经济效益", "title": "测控系统", "year": 2025,
                                                         "income": "30", "savings": "20"}, date(2025, 12, 31), system)
        for name, kind, value, day in (("孙立", "晋升", "技师", date(2025, 4, 1)), ("孙立", "荣誉", "企业劳模", date(2025, 5, 1)),
                                       ("李娜", "晋升", "高级技师", date(2025, 6, 1))):
            key = "grade" if kind == "晋升" else "level"
            ledgers.add_entry(s, studios[0], "member", {"kind": kind, "name": name, key: value,
                                                        "date": day.strftime("%Y%m%d")}, day, system)
        for studio, money in ((0, {"direction": "收入", "amount": "8", "unit": "中交第一航务工程局有限公司"}),
                              (1, {"direction": "收入", "amount": "6", "unit": typed_unit}),
                              (0, {"direction": "支出", "amount": "2", "category": "设备购置", "purpose": "测距仪"}),
                              (0, {"direction": "支出", "amount": "1", "category": "研究费用", "purpose": "办公用品",
                                   "hold": "pending", "hold_reason": "日常经费"}),
                              (1, {"direction": "支出", "amount": "0.5", "category": "研究费用", "purpose": "差旅",
                                   "hold": "pending", "hold_reason": "日常经费"})):
            ledgers.add_entry(s, studios[studio], "funding", {**money, "date": "20250601"}, date(2025, 6, 1), system)
        held = [e.id for e in ledgers.entries(s, studios[1], "funding") if e.data.get("hold") == "pending"][0]
    with bot.db.transaction() as s:
        ledger_service.refuse_held(ctx(bot, s, "union1"), held, "差旅属于日常经费")
    return studios
