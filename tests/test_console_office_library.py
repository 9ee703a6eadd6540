"""The console's 抽查与整改, 成果库, 统计 and 上报表: a seeded draw reproduced, a 限期整改 overdue and
withdrawn with its history, the self-check answers, the 成果库 filtered and exported, the charts and
tables that agree with the ledgers (typed names escaped, in Chromium too), and the upward sheets."""
import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from bot import cycle
from handlers.services import achievements, selfcheck
from storage import ledgers
from storage.models import Attachment, LedgerEntry, SpotCheck, SpotCheckResult, Studio
from storage.office import Rectification
from tests.chat import Chat
from tests.support.clock import clock
from tests.support.console import console_page, csrf_of, signed_in_client
from tests.support.library import kept_ledgers
from tests.support.office import ctx, moment, office_year

TYPED = "<img src=x onerror=alert(1)>"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def client_of(bot, who):
    """A signed-in test client whose ``csrf`` is the token of its own session (signing in starts a
    new session, so the sign-in page's token no longer counts)."""
    client = signed_in_client(bot, who)
    client.csrf = csrf_of(client.get("/console/").get_data(as_text=True))
    return client


def text_of(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def named(bot):
    """Two named studios of two units (the office's year seeder), on 2026-11-02."""
    clock.set_now(moment(2026, 11, 2))
    data = office_year(bot, 2026, n=2)
    with bot.db.transaction() as s:
        for studio_id in data["studios"]:
            studio = s.get(Studio, studio_id)
            studio.status, studio.named_on = "named", date(2026, 9, 10)
    return data["studios"]


def test_a_draw_with_its_seed_reproduced_and_a_rectification_withdrawn(bot, named):
    first, second = named
    group = client_of(bot, "group")
    response = group.post("/console/spotchecks/draw", data={"n": "2", "csrf_token": group.csrf})
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/spotchecks/1")
    with bot.db.session() as s:
        check = s.scalar(select(SpotCheck))
        seed, chosen = check.seed, list(check.chosen)
    page = text_of(group.get("/console/spotchecks/1"))
    assert "已完成第 1 次抽查：从 2 家已命名工作室中随机抽取 2 家" in page and seed in page
    assert f"random.Random(\"{seed}\").sample({sorted(named)}, 2)" in page.replace("&#34;", '"')
    again = text_of(group.get("/console/spotchecks/1/reproduce", headers={"HX-Request": "true"}))
    assert again.strip().startswith('<div id="reproduced"') and f"复现结果：<code>{chosen}</code>" in again and "与记录一致 ✓" in again
    assert "港口工程0号创新工作室" in text_of(group.get("/console/spotchecks"))

    refused = group.post(f"/console/spotchecks/1/results/{second}", data={"result": "撤销称号", "note": "无活动",
                                                                         "csrf_token": group.csrf})
    assert refused.status_code == 400 and "撤销称号须写明《意见》规定的情形" in text_of(refused)
    recorded = group.post(f"/console/spotchecks/1/results/{first}", content_type="multipart/form-data", data={
        "result": "限期整改", "working_days": "10", "note": "活动台账不全", "csrf_token": group.csrf,
        "photos": [(io.BytesIO(PNG), "现场.png")]})
    assert recorded.status_code == 303
    page = text_of(group.get("/console/spotchecks/1"))
    deadline = cycle.add_workdays(date(2026, 11, 2), 10)
    assert f"限期整改，整改期限 10 个工作日（{deadline:%Y-%m-%d} 前）" in page and "现场.png" in page
    assert re.search(r'href="/files/[^"]+\?exp=\d+&amp;sig=[^"]+">现场.png', page)
    group.post(f"/console/spotchecks/1/results/{second}", data={"result": "合格", "note": "台账完整", "csrf_token": group.csrf})
    listing = text_of(group.get("/console/spotchecks"))
    assert "港口工程0号创新工作室</a>（<span class=\"pending\">限期整改" in listing and "（<span class=\"ok\">合格" in listing
    assert f"10 个工作日（{deadline:%Y-%m-%d} 前）" in listing and "整改中" in listing and "确认撤销称号" not in listing

    union = client_of(bot, "union0")                         # its unit's studio only, read-only
    seen = text_of(union.get("/console/spotchecks"))
    assert "港口工程0号创新工作室" in seen and "桥梁施工1号创新工作室" not in seen and "随机抽取已命名工作室" not in seen
    assert union.post("/console/spotchecks/draw", data={"n": "1", "csrf_token": union.csrf}).status_code == 403
    assert union.get(f"/console/spotchecks/studios/{second}").status_code == 403

    overdue = cycle.add_workdays(deadline, 1)
    clock.set_now(moment(overdue.year, overdue.month, overdue.day))
    listing = text_of(group.get("/console/spotchecks"))
    assert f"逾期未整改（期限 {deadline:%Y%m%d}），拟撤销称号" in listing and "确认撤销称号" in listing
    with bot.db.session() as s:
        rect_id = s.scalar(select(Rectification.id))
    admin = client_of(bot, "admin")                           # the group union confirms, not an admin
    assert admin.post(f"/console/spotchecks/rectifications/{rect_id}/withdraw",
                      data={"grounds": ["工作不积极"], "csrf_token": admin.csrf}).status_code == 403
    done = group.post(f"/console/spotchecks/rectifications/{rect_id}/withdraw",
                      data={"grounds": ["工作不积极", "制度不落实"], "note": "经复查仍未整改", "csrf_token": group.csrf})
    assert done.status_code == 303
    with bot.db.session() as s:
        assert s.get(Studio, first).status == "revoked" and s.get(Rectification, rect_id).status == "withdrawn"
        row = s.scalar(select(SpotCheckResult).where(SpotCheckResult.studio_id == first))
        assert (row.result, row.grounds) == ("撤销称号", ["工作不积极", "制度不落实"])
        assert s.scalar(select(Attachment).where(Attachment.owner_kind == "spotcheck")).owner_id == row.id
    drawn = rows_of(group.get("/console/spotchecks?export=draws"))
    assert drawn[1][:3] == ["次序", "抽取时间", "材料截止"] and {r[5] for r in drawn[2:]} == {
        "港口工程0号创新工作室", "桥梁施工1号创新工作室"} and drawn[2][3] == seed
    ordered = rows_of(union.get("/console/spotchecks?export=rectifications"))     # the union's own unit
    assert [r[0] for r in ordered[2:]] == ["港口工程0号创新工作室"] and ordered[2][6] == "已撤销称号"
    history = text_of(union.get(f"/console/spotchecks/studios/{first}"))
    steps = re.findall(r"<td>(登记抽查结果|限期整改|整改结束|确认撤销称号)</td>", history)
    assert steps == ["登记抽查结果", "限期整改", "登记抽查结果", "整改结束", "确认撤销称号"]
    assert "逾期未完成整改；经复查仍未整改" in history and "已撤销称号" in history


def test_a_rectification_verified_as_failed_is_proposed(bot, named):
    group = client_of(bot, "group")
    group.post("/console/spotchecks/draw", data={"n": "2", "csrf_token": group.csrf})
    group.post(f"/console/spotchecks/1/results/{named[1]}", data={"result": "限期整改", "working_days": "",
                                                                 "note": "制度未上墙", "csrf_token": group.csrf})
    with bot.db.session() as s:
        rect = s.scalar(select(Rectification))
        assert (rect.working_days, rect.studio_id) == (bot.config.rectify_working_days, named[1])
    union = client_of(bot, "union1")
    assert union.post(f"/console/spotchecks/rectifications/{rect.id}/verify",
                      data={"passed": "1", "finding": "已整改", "csrf_token": union.csrf}).status_code == 403
    empty = group.post(f"/console/spotchecks/rectifications/{rect.id}/verify",
                       data={"passed": "0", "finding": " ", "csrf_token": group.csrf})
    assert empty.status_code == 400 and "请写明核查情况" in text_of(empty)
    group.post(f"/console/spotchecks/rectifications/{rect.id}/verify",
               data={"passed": "0", "finding": "照片与现场不符", "csrf_token": group.csrf})
    listing = text_of(group.get("/console/spotchecks"))
    assert "整改不合格，拟撤销称号" in listing and "照片与现场不符" in listing and "确认撤销称号" in listing
    assert "整改不合格，拟撤销称号" in text_of(union.get("/console/spotchecks"))
    assert "确认撤销称号" not in text_of(union.get("/console/spotchecks"))

def test_the_self_check_answers_per_studio_and_quarter(bot, named):
    clock.set_now(moment(2027, 1, 4))
    with bot.db.transaction() as s:
        lead = ctx(bot, s, "lead0")
        check = selfcheck.begin(lead)["check"]
        for n in range(len(check.items)):
            selfcheck.answer(lead, check.id, n, "属实" if n else "领衔人已获评省部级劳模，证书已上传")
    union0, union1 = client_of(bot, "union0"), client_of(bot, "union1")
    page = text_of(union0.get("/console/spotchecks/selfchecks?quarter=2027Q1"))
    assert "2027 年第一季度" in page and "港口工程0号创新工作室" in page and "1 项更正" in page
    assert "更正：</span>领衔人已获评省部级劳模，证书已上传" in page
    other = text_of(union1.get("/console/spotchecks/selfchecks"))
    assert "港口工程0号创新工作室" not in other and "尚未完成自查的已命名工作室（1 家）" in other
    assert "桥梁施工1号创新工作室" in other
    assert client_of(bot, "lead0").get("/console/spotchecks/selfchecks").status_code == 403
    answers = rows_of(union0.get("/console/spotchecks/selfchecks?quarter=2027Q1&export=xlsx"))
    assert answers[1] == ["工作室", "所在单位", "季度", "完成时间", "自查项目", "回答", "更正内容"]
    assert answers[2][4:] == [check.items[0]["item"], "更正", "领衔人已获评省部级劳模，证书已上传"]
    assert {r[5] for r in answers[3:]} == {"属实"}
    assert "领衔人已获评省部级劳模" in text_of(client_of(bot, "group").get(f"/console/spotchecks/studios/{named[0]}"))


@pytest.fixture
def kept(bot):
    """Two studios of two units with achievements, talents and funding (tests/support/library.py)."""
    return kept_ledgers(bot, TYPED + "局", proof=True)


def rows_of(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    return [[c.value for c in r] for r in sheet.iter_rows()]


def test_the_library_filtered_exported_and_scoped(bot, kept):
    group = client_of(bot, "group")
    page = text_of(group.get("/console/achievements"))
    with bot.db.session() as s:
        live = s.scalars(select(LedgerEntry).where(LedgerEntry.ledger == "achievement",
                                                   LedgerEntry.deleted_at.is_(None))).all()
    assert f'共 <b id="total">{len(live)}</b> 项成果' in page and "一种&lt;b&gt;桥梁&lt;/b&gt;顶推装置" in page
    assert re.search(r'href="/files/tok-proof\?exp=\d+&amp;sig=[\w-]+">获奖证书.pdf', page)
    awards = group.get("/console/achievements?kind=获奖", headers={"HX-Request": "true"})
    shown = text_of(awards)
    assert shown.strip().startswith('<div id="results">') and '共 <b id="total">2</b> 项成果' in shown
    assert "沉管对接测控系统" in shown and "桥梁顶推工法" in shown and "智能张拉" not in shown
    assert '共 <b id="total">3</b> 项成果' in text_of(group.get("/console/achievements?applied=1"))
    assert '共 <b id="total">1</b> 项成果' in text_of(group.get(f"/console/achievements?studio={kept[1]}&year=2025"))
    assert '共 <b id="total">2</b> 项成果' in text_of(group.get("/console/achievements?q=顶推+桥梁"))
    assert group.get("/console/achievements?kind=论文").status_code == 400
    exported = group.get("/console/achievements/export?kind=创新成果")
    assert exported.status_code == 200 and "filename*=UTF-8''" in exported.headers["Content-Disposition"]
    rows = rows_of(exported)
    assert rows[1] == list(achievements.HEADER)
    assert [(r[1], r[2], r[6]) for r in rows[2:]] == [("沉管对接测控系统", "创新成果", "港口工程0号创新工作室"),
                                                      ("=SUM(1,2) 智能张拉", "创新成果", "桥梁施工1号创新工作室")]
    every = rows_of(group.get("/console/achievements/export"))[2:]
    with bot.db.session() as s:
        assert sorted(r[1] for r in every) == sorted(e.data["title"] for e in live)
    union = client_of(bot, "union1")                          # a unit union: its unit only
    seen = text_of(union.get("/console/achievements"))
    assert '共 <b id="total">3</b> 项成果' in seen and "沉管对接测控系统" not in seen
    assert {r[7] for r in rows_of(union.get("/console/achievements/export"))[2:]} == {"中交第二航务工程局有限公司"}
    assert client_of(bot, "expert1").get("/console/achievements").status_code == 403


def test_a_brochure_of_selected_results_is_offered_for_download(bot, kept):
    group = client_of(bot, "group")
    with bot.db.session() as s:
        ids = [e.id for e in s.scalars(select(LedgerEntry).where(LedgerEntry.ledger == "achievement"))
               if e.data.get("kind") == "获奖"]
    assert group.post("/console/achievements/brochure", data={"csrf_token": group.csrf}).status_code == 400
    queued = group.post("/console/achievements/brochure", data={"entry": ids, "title": "2026年成果发布会汇编",
                                                                 "csrf_token": group.csrf})
    assert queued.status_code == 303
    status = queued.headers["Location"]
    waiting = text_of(group.get(status))
    assert "2026年成果发布会汇编（2 项成果）" in waiting and "正在生成" in waiting and 'hx-trigger="every 3s"' in waiting
    assert client_of(bot, "admin").get(status).status_code == 403     # another person's brochure
    Chat(bot, "group").inbox()                                        # the worker renders it
    ready = text_of(group.get(status, headers={"HX-Request": "true"}))
    link = re.search(r'<a class="button" href="([^"]+)" id="download">下载 2026年成果发布会汇编.pdf</a>', ready)
    assert link and "every 3s" not in ready
    pdf = group.get(link.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def table_after(page, title):
    """The rows of the table headed ``title`` on a statistics page: [[cell text]]."""
    part = page.split(f"<h3>{title}</h3>", 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", part)[1:]]


def test_statistics_agree_with_the_ledgers(bot, kept):
    group = client_of(bot, "group")
    page = text_of(group.get("/console/statistics?year=all"))
    assert page.count('type="application/json" class="chart-option"') == 7
    assert "&lt;img src=x onerror=alert(1)&gt;局" in page and "<img src=x" not in page
    with bot.db.session() as s:
        live = [e for e in s.scalars(select(LedgerEntry).where(LedgerEntry.ledger == "achievement",
                                                               LedgerEntry.deleted_at.is_(None)))]
        balance = sum(ledgers.balance(s, sid) for sid in kept)
    kinds = table_after(page, "创新成果（按类型和年度）")
    assert sum(int(r[-1]) for r in kinds) == len(live) == 8
    assert table_after(page, "培养人才（按技术等级和荣誉）") == [["2025", "技术等级", "高级技师", "1"],
                                                               ["2025", "技术等级", "技师", "1"],
                                                               ["2025", "荣誉", "企业劳模", "1"]]
    sources = dict(table_after(page, "经费来源"))
    assert sources == {"中交第一航务工程局有限公司": "8", "&lt;img src=x onerror=alert(1)&gt;局": "6"}
    purposes = dict(table_after(page, "经费用途"))
    assert purposes["设备购置"] == "2" and purposes["待单位工会确认（不计入）"] == "1（1 笔）"
    assert purposes["单位工会驳回（已删除）"] == "0.5（1 笔）"
    assert balance == sum(int(v) for v in sources.values()) - int(purposes["设备购置"])
    assert sorted(table_after(page, "各单位申报和命名情况")) == [["中交第一航务工程局有限公司", "2026", "1", "0"],
                                                                ["中交第二航务工程局有限公司", "2026", "1", "0"]]
    seven = table_after(text_of(group.get("/console/statistics?year=2026")), "2026 年度申报七有达标情况（2 份）")
    assert seven[0][0] == "有劳模领衔" and all(sum(int(c) for c in r[1:4]) == 2 for r in seven)
    money = rows_of(group.get("/console/statistics/funding.xlsx?year=all&table=1"))
    assert money[1] == ["用途", "金额（万元）"] and ["设备购置", "2"] in money[2:]
    assert ["单位工会驳回（已删除）", "0.5（1 笔）"] in money[2:]
    assert rows_of(group.get("/console/statistics/achievements.xlsx?year=2025"))[2][0] == 2025
    union = text_of(client_of(bot, "union0").get("/console/statistics?year=all"))   # its unit only
    assert sum(int(r[-1]) for r in table_after(union, "创新成果（按类型和年度）")) == 5 and "onerror" not in union
    refused = client_of(bot, "lead0").get("/console/statistics")
    assert refused.status_code == 403 and "统计仅限" in text_of(refused)


@pytest.mark.browser
def test_charts_draw_as_svg_and_typed_names_stay_text(bot, kept, browser):
    with bot.db.transaction() as s:                           # a studio and its unit named as markup
        studio = s.get(Studio, kept[1])
        studio.name, studio.unit.name = TYPED, TYPED + "单位"
    dialogs = []
    with console_page(bot, browser, "group") as (page, base):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/console/statistics?year=all")
        page.wait_for_selector("#chart-funding-1 svg")
        assert page.locator(".chart svg").count() == 7 and page.locator(".chart canvas").count() == 0
        assert page.locator("#chart-applications-0 svg text", has_text=TYPED + "单位").count() == 1
        shown = page.evaluate("""() => {
            const chart = echarts.getInstanceByDom(document.getElementById('chart-applications-0'));
            const names = chart.getOption().xAxis[0].data;
            chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: names.indexOf(%r)});
            const tip = [...document.querySelectorAll('#chart-applications-0 div')].find(
                d => d.innerText.includes('申报：'));
            return {text: tip.innerText, images: document.querySelectorAll('#chart-applications-0 img').length};
        }""" % (TYPED + "单位"))
        assert shown["text"].startswith(TYPED + "单位") and "申报：1家" in shown["text"] and shown["images"] == 0
        page.emulate_media(media="print")
        assert page.locator("#chart-funding-0 svg").is_visible()
        page.emulate_media(media="screen")
        page.goto(base + "/console/achievements")
        exact = re.compile("^" + re.escape(TYPED) + "$")
        assert page.locator("td").filter(has_text=exact).count() == 3 and page.locator("main img").count() == 0
        page.select_option("select[name=kind]", "获奖")               # the filter swaps the results in
        page.wait_for_selector("#total:text('2')")
        assert page.locator("tbody tr").count() == 2 and "kind=" in page.url
    assert dialogs == []


def test_the_upward_sheets_as_the_issue_lists_them(bot, kept):
    clock.set_now(moment(2026, 8, 20))
    with bot.db.transaction() as s:
        for studio_id in kept:
            studio = s.get(Studio, studio_id)
            studio.status, studio.named_on = "named", date(2025, 9, 10)
    group = client_of(bot, "group")
    page = text_of(group.get("/console/sheets?year=2026"))
    assert "港口工程0号创新工作室" in page and "桥梁施工1号创新工作室" in page
    headers = {
        "summary": ["序号", "单位", "工作室名称", "领衔人", "专业领域", "类型", "成员数", "七有", "得分", "排名", "状态"],
        "publicity": ["序号", "工作室名称", "所在单位", "领衔人", "专业领域"],
        "named": ["序号", "工作室名称", "所在单位", "领衔人", "专业领域", "证书编号", "命名日期"]}
    for kind, header in headers.items():
        response = group.get(f"/console/sheets/{kind}.xlsx?year=2026")
        assert response.status_code == 200, kind
        rows = rows_of(response)
        assert rows[1] == header, kind
    summary = rows_of(group.get("/console/sheets/summary.xlsx?year=2026"))
    assert [r[2] for r in summary[2:]] == ["港口工程0号创新工作室", "桥梁施工1号创新工作室"]
    assert summary[2][:7] == [1, "中交第一航务工程局有限公司", "港口工程0号创新工作室", "领衔人0", "隧道盾构", "技术攻关", "10"]
    recommended = group.get(f"/console/sheets/recommendation.xlsx?studio={kept[0]}&target=全国总工会")
    assert "%E5%85%A8%E5%9B%BD%E6%80%BB%E5%B7%A5%E4%BC%9A" in recommended.headers["Content-Disposition"]
    rows = rows_of(recommended)
    assert rows[1] == ["序号", "工作室名称", "所在单位", "领衔人", "专业领域", "命名日期", "主要成果", "经济效益（万元）"]
    assert rows[2][1] == "港口工程0号创新工作室" and "沉管对接测控系统（获奖·省部，2025）" in rows[2][6] and rows[2][7] == "50"
    assert len(rows) == 3
    assert group.get("/console/sheets/recommendation.xlsx?target=全国总工会").status_code == 400
    assert client_of(bot, "union0").get("/console/sheets/summary.xlsx?year=2026").status_code == 403


@pytest.mark.browser
def test_a_spot_check_in_chromium(bot, named, browser, tmp_path):
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    with console_page(bot, browser, "group") as (page, base):
        page.goto(base + "/console/spotchecks")
        page.fill("input[name=n]", "1")
        page.click("text=随机抽取已命名工作室")
        page.wait_for_url(re.compile(r".*/console/spotchecks/1$"))
        seed = page.inner_text("#seed")
        page.click("text=复现这次抽查")                           # htmx swaps the check in
        page.wait_for_selector("#reproduced p.ok")
        assert "与记录一致 ✓" in page.inner_text("#reproduced") and page.url.endswith("/console/spotchecks/1")
        form = page.locator("form.result-form")
        form.locator("input[value=限期整改]").check()
        form.locator("input[name=working_days]").fill("15")
        form.locator("textarea[name=note]").fill("制度未上墙")
        form.locator("input[name=photos]").set_input_files(str(photo))
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".flash")
        deadline = cycle.add_workdays(date(2026, 11, 2), 15)
        assert f"整改期限 15 个工作日（{deadline:%Y-%m-%d} 前）" in page.inner_text(".flash")
        assert page.locator("a", has_text="现场.png").count() == 1 and seed in page.inner_text("main")
