"""The office's year as the issue's "Done when" walks it, at the service level: the decision clock moved
from June to December by BOT_DEV_TODAY; three experts score eight applications, one conflict of
interest refused; the ranking and the quota decide a 公示 list; naming issues numbered certificates
and the 命名文件 as PDFs; a spot check leads to 限期整改 and, when overdue, to withdrawal with history;
the 成果库 and the statistics agree with the ledgers. Both engines."""
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from bot import cycle
from bot.errors import UserError
from handlers.notices import run as notices
from handlers.services import (achievements, assessment, certificates, publicity, rectifications, sheets,
                               spotchecks, statistics)
from storage import ledgers
from storage.actor import Actor
from storage.models import Application, LedgerEntry, Studio
from storage.office import Certificate
from tests.chat import Chat
from tests.support.office import ctx, office_year, person_id, scores_for

YEAR = 2026
EXPERTS = ("expert1", "expert2", "expert3")      # of unit 0, unit 1 and the group headquarters
TOTALS = {0: 93, 1: 91, 2: 89, 3: 87, 4: 86, 5: 80, 6: 78, 7: 75}   # each app's points from every expert


def text_of(path):
    return "".join(subprocess.run(["pdftotext", "-raw", path, "-"], capture_output=True, text=True,
                                  check=True).stdout.split())


def test_the_office_year(make_bot, engine):
    bot = make_bot(dev_today="2026-06-15", naming_quota=4)
    assert bot.clock.today() == date(2026, 6, 15)
    apps = office_year(bot, YEAR)["apps"]

    # June: the round, its rubric, three experts; a conflict of interest refused
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        round_ = assessment.open_round(office, YEAR)["round"]
        for expert in EXPERTS:
            assessment.invite(office, YEAR, person_id(bot, expert))
        sheets_of = {}
        for n, app_id in enumerate(apps):
            for expert in EXPERTS:
                try:
                    sheets_of[(n, expert)] = assessment.assign(office, YEAR, app_id, person_id(bot, expert))["sheet"].id
                except UserError as refused:
                    assert "按回避原则" in str(refused)
        refusals = len(apps) * len(EXPERTS) - len(sheets_of)
    assert refusals == 4                            # expert1 never gets unit 0's two studios, nor expert2 unit 1's

    # July–August: each expert scores item by item; an incomplete sheet is refused
    bot.clock.fix(cycle.at_notice_time(bot.config, date(2026, 7, 20)).replace(tzinfo=None))
    with bot.db.transaction() as s:
        one = sheets_of[(0, "expert2")]
        assessment.score(ctx(bot, s, "expert2"), one, "i1", "10", "全国劳模领衔")
        with pytest.raises(UserError, match="评分表还没有填完"):
            assessment.submit_sheet(ctx(bot, s, "expert2"), one)
    for (n, expert), sheet_id in sheets_of.items():
        with bot.db.transaction() as s:
            c = ctx(bot, s, expert)
            total = TOTALS[n] - (3 if (n, expert) == (3, "expert3") else 0)    # apps 3 and 4 tie at 86
            assessment.save_sheet(c, sheet_id, scores_for(round_, total), comment="对照七有逐项核实")
            assessment.submit_sheet(c, sheet_id)
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        assert len(assessment.sheets(ctx(bot, s, "expert1"), YEAR)) == 6     # only their own, the round open
        results = assessment.results(office, YEAR)
        ranked = [(apps.index(app.id), st.rank) for st, app in results["standings"]]
        assert ranked[:3] == [(0, 1), (1, 2), (2, 3)] and results["ties"] == [sorted([apps[3], apps[4]])]
        assessment.break_tie(office, YEAR, [apps[4], apps[3]], "成果转化应用更多")
        assessment.close_round(office, YEAR)
        assert len(assessment.sheets(ctx(bot, s, "expert1"), YEAR)) == len(sheets_of)

    # September: the ranking and the quota (4) decide the 公示; an upheld objection lets the next in
    bot.clock.fix(cycle.at_notice_time(bot.config, date(2026, 9, 1)).replace(tzinfo=None))
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        listed = publicity.publish(office, YEAR)["apps"]
        assert [apps.index(a.id) for a in listed] == [0, 1, 2, 4]
        objection = publicity.record_objection(office, YEAR, apps[2], "反映场所为临时借用")["objection"]
        publicity.decide_objection(office, objection.id, True, "经核实场所为临时借用")
        assert [apps.index(a.id) for a in publicity.publish(office, YEAR)["apps"]] == [3]
    bot.clock.fix(cycle.at_notice_time(bot.config, date(2026, 9, 15)).replace(tzinfo=None))
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        for n in (0, 1, 4, 3):
            publicity.decide(office, apps[n], publicity.NAME, "同意命名")
        for n in (2, 5, 6, 7):
            publicity.decide(office, apps[n], publicity.NOT_NAMED, "本年度命名名额已满，不予命名")
        with pytest.raises(UserError, match="已于 20260915 命名"):
            publicity.decide(office, apps[0], publicity.NAME)
        issued = certificates.issue(office, YEAR)
    assert [c.number for c in issued["certificates"]] == [f"中交工创证〔2026〕00{n}号" for n in range(1, 5)]
    clerk = Chat(bot, "group")
    clerk.inbox()
    pdfs = [p["file"] for p in clerk.pushed if p.get("file")]
    assert len(pdfs) == 5 and all(f["name"].endswith(".pdf") for f in pdfs)
    document = text_of(pdfs[0]["path"])
    assert "中交工联字〔2026〕001号" in document and "决定命名4家工作室" in document and "一次性经费支持5万元" in document
    assert "荣誉证书" in text_of(pdfs[1]["path"]) and "中交工创证〔2026〕001号" in text_of(pdfs[1]["path"])

    # December: a spot check, 限期整改, overdue, withdrawn with its history
    bot.clock.fix(cycle.at_notice_time(bot.config, date(2026, 12, 1)).replace(tzinfo=None))
    with bot.db.transaction() as s:
        spotchecks.draw(ctx(bot, s, "group"), 4)
        studio_id = s.get(Application, apps[1]).studio_id
        rect = spotchecks.record_result(ctx(bot, s, "group"), studio_id, "限期整改", "制度未上墙，台账不全",
                                        working_days=10)["rectification"]
    overdue = cycle.add_workdays(rect.deadline, 1)
    bot.clock.fix(cycle.at_notice_time(bot.config, overdue).replace(tzinfo=None))
    notices.run(bot, bot.clock.now(), types=["rectify"])
    assert any("【整改逾期】" in t for t in clerk.inbox())
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        assert [r.id for r in rectifications.proposals(office)] == [rect.id]
        rectifications.confirm_withdrawal(office, rect.id, ["制度不落实"])
        history = [h[2] for h in rectifications.history(office, studio_id)]
        assert history[-4:] == ["登记抽查结果", "整改结束", "证书作废", "确认撤销称号"]
        assert history[:3] == ["命名", "颁发证书", "登记抽查结果"]
        assert s.get(Studio, studio_id).status == "revoked"
        assert s.scalar(select(Certificate.status).where(Certificate.studio_id == studio_id)) == "void"
        named = sheets.named_list(office, YEAR)["rows"]
        assert [r[5] for r in named] == ["中交工创证〔2026〕001号", "中交工创证〔2026〕002号（已作废）",
                                         "中交工创证〔2026〕003号", "中交工创证〔2026〕004号"]

    # the 成果库 and the statistics agree with the ledgers
    system = Actor.system(channel="cli")
    with bot.db.transaction() as s:
        for n, kind in ((0, "创新成果"), (0, "获奖"), (3, "发明专利")):
            extra = {"level": "省部", "issuer": "中国公路学会"} if kind == "获奖" else {}
            ledgers.add_entry(s, s.get(Application, apps[n]).studio_id, "achievement",
                              {"kind": kind, "title": f"{kind}一项", "date": "20261105", **extra}, date(2026, 11, 5), system)
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        in_ledgers = s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.ledger == "achievement",
                                                                                  LedgerEntry.deleted_at.is_(None)))
        assert achievements.search(office)["total"] == in_ledgers == 3
        table = statistics.achievements(office)["tables"][0]
        assert sum(r[-1] for r in table["rows"]) == in_ledgers
        applications = statistics.applications(office, YEAR)["tables"][0]["rows"]
        assert sum(r[2] for r in applications) == 8 and sum(r[3] for r in applications) == 4
        grants = statistics.funding(office)["tables"][0]["rows"]
        assert grants == [["中国交建工会联合会（命名补助）", "20"]]           # four one-off grants of 5万元
