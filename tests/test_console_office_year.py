"""The office's year in the console: 考核验收 (rubric, experts, assignments refused for a conflict of
interest, an expert's own sheets only, scoring on a phone), 公示 and naming (the service's refusals
shown), certificates and the 命名文件 rendered to PDF and downloaded. Flask client and Chromium, both
engines."""
import re
import subprocess

import pytest
from sqlalchemy import select

from bot.tasks import TaskRunner
from handlers.services import assessment
from storage.models import Application, AuditEntry, LedgerEntry
from storage.office import AssessmentRound, ScoreSheet
from tests.support.clock import clock
from tests.support.console import console_page, csrf_of, signed_in_client
from tests.support.office import assessed_year, ctx, moment, office_year, person_id, scores_for

YEAR = 2026


def client_of(bot, who, path="/console/assessment"):
    """A signed-in client whose ``csrf`` is the token of the session (taken from a page it shows)."""
    client = signed_in_client(bot, who)
    client.csrf = csrf_of(client.get(path).get_data(as_text=True))
    return client


def post(client, path, **data):
    response = client.post(path, data={"csrf_token": client.csrf, **data}, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def flashes(html):
    return re.findall(r'<p class="flash[^"]*"[^>]*>([^<]*)</p>', html)


def part(html, element_id):
    """The HTML of the element ``element_id`` up to the end of its table."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</table>", start)]


def pdf_text(data, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def open_with_experts(bot, experts=("expert1", "expert2", "expert3")):
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        assessment.open_round(office, YEAR)
        for expert in experts:
            assessment.invite(office, YEAR, person_id(bot, expert))


# -- Flask client ---------------------------------------------------------------------------------

def test_the_rubric_and_a_conflict_of_interest_refused_with_its_reason(make_bot):
    bot = make_bot(naming_quota=3)
    clock.set_now(moment(2026, 6, 15))
    apps = office_year(bot, YEAR)["apps"]
    office = client_of(bot, "group")
    assert "还没有开始" in office.get("/console/assessment").get_data(as_text=True)
    html = post(office, "/console/assessment/open", year=YEAR)
    assert "2026 年度考核验收已开始" in html and 'id="rubric-total">100<' in html

    # the rubric: an item changed shows the total off 100, put back it is 百分制 again
    html = post(office, "/console/assessment/rubric/i3/change", year=YEAR, name="固定场所", max="10", basis="")
    assert "合计 102 分，应为 100 分" in html and 'id="rubric-total">102<' in html
    html = post(office, "/console/assessment/rubric/add", year=YEAR, name="安全生产", max="5", basis="无安全事故")
    assert "已添加评分项「安全生产」" in html
    key = next(i["key"] for i in _rubric(bot) if i["name"] == "安全生产")
    post(office, f"/console/assessment/rubric/{key}/remove", year=YEAR)
    html = post(office, "/console/assessment/rubric/i3/change", year=YEAR, name="固定场所", max="8", basis="场所")
    assert 'id="rubric-total">100<' in html and "百分制，合计 100 分" in html

    # experts: only those with the 评审专家 role are offered; invited through the service
    page = office.get("/console/assessment").get_data(as_text=True)
    assert "周专家" in page and "陈国华（" not in page
    for expert in ("expert1", "expert2"):
        html = post(office, "/console/assessment/experts", year=YEAR, person_id=person_id(bot, expert))
    assert "已邀请吴专家担任评审专家" in html

    # 周专家 is of unit 0 (apps 0 and 4): the assignment refused, the service's reason shown
    html = post(office, "/console/assessment/assign", year=YEAR, app_id=apps[0], expert_id=person_id(bot, "expert1"))
    refusal = flashes(html)
    assert len(refusal) == 1 and "按回避原则" in refusal[0] and "周专家" in refusal[0] and 'class="flash error"' in html
    html = post(office, "/console/assessment/assign", year=YEAR, app_id=apps[1], expert_id=person_id(bot, "expert1"))
    assert "已将「桥梁施工1号创新工作室」分配给周专家评分" in html
    with bot.db.session() as s:
        sheets = s.scalars(select(ScoreSheet)).all()
        assert [(x.application_id, x.expert_id) for x in sheets] == [(apps[1], person_id(bot, "expert1"))]
        assert s.query(AuditEntry).filter(AuditEntry.action == "assessment.assign").count() == 1   # the one made


def _rubric(bot):
    with bot.db.session() as s:
        return s.scalar(select(AssessmentRound).where(AssessmentRound.year == YEAR)).rubric


def test_an_expert_sees_only_their_own_sheets_and_submits_a_complete_one(make_bot):
    bot = make_bot()
    clock.set_now(moment(2026, 7, 10))
    apps = office_year(bot, YEAR)["apps"]
    open_with_experts(bot)
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        mine = assessment.assign(office, YEAR, apps[2], person_id(bot, "expert1"))["sheet"].id
        other = assessment.assign(office, YEAR, apps[2], person_id(bot, "expert2"))["sheet"].id
        rubric = s.scalar(select(AssessmentRound)).rubric

    expert = client_of(bot, "expert1")
    listing = expert.get("/console/assessment").get_data(as_text=True)
    assert f"/console/assessment/sheets/{mine}" in listing and f"/console/assessment/sheets/{other}" not in listing
    assert "评审分配" not in listing and "吴专家" not in listing
    refused = expert.get(f"/console/assessment/sheets/{other}")
    assert refused.status_code == 403 and "不是分配给您的" in refused.get_data(as_text=True)
    with bot.db.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "console.refused")).all()
        assert [a.key for a in audit] == [f"/console/assessment/sheets/{other}"]
    # the office's managing actions are not the expert's
    assert expert.post("/console/assessment/close", data={"csrf_token": expert.csrf, "year": YEAR}).status_code == 403
    assert expert.post(f"/console/assessment/sheets/{other}", data={"csrf_token": expert.csrf, "do": "save",
                                                                   "comment": "x"}).status_code == 403

    # scored item by item: saved with one item left, 提交 refused naming it
    points = scores_for(s_round(bot), 88)
    form = {f"score_{k}": v for k, v in points.items() if k != "i7"}
    form.update(note_i1="全国劳模领衔", comment="对照七有逐项核实")
    html = post(expert, f"/console/assessment/sheets/{mine}", do="save", **form)
    assert "还有 1 项未打分：创新成果" in html
    html = post(expert, f"/console/assessment/sheets/{mine}", do="submit", **form)
    assert "评分表还没有填完，不能提交：创新成果 未打分" in html
    html = post(expert, f"/console/assessment/sheets/{mine}", do="save", score_i7="30")
    assert "不能超过 25 分" in html
    html = post(expert, f"/console/assessment/sheets/{mine}", do="submit", score_i7=points["i7"])
    assert "评分表已提交，合计 88 分" in html and 'name="score_i1"' not in html
    with bot.db.session() as s:
        sheet = s.get(ScoreSheet, mine)
        assert sheet.submitted_at is not None and sheet.notes == {"i1": "全国劳模领衔"}
        assert len(rubric) == len(sheet.scores)

    # the office sees the sheet and the results; after closing, the expert sees every sheet
    office = client_of(bot, "group")
    results = office.get("/console/assessment").get_data(as_text=True)
    assert "88" in results and "1/2" in results
    assert office.get(f"/console/assessment/sheets/{other}").status_code == 200


def test_an_expert_reads_the_application_they_score_and_no_other(make_bot):
    bot = make_bot()
    clock.set_now(moment(2026, 7, 10))
    apps = office_year(bot, YEAR)["apps"]
    open_with_experts(bot)
    with bot.db.transaction() as s:
        mine = assessment.assign(ctx(bot, s, "group"), YEAR, apps[2], person_id(bot, "expert1"))["sheet"].id
    expert = client_of(bot, "expert1")
    sheet = expert.get(f"/console/assessment/sheets/{mine}").get_data(as_text=True)
    assert f'href="/console/applications/{apps[2]}"' in sheet
    page = expert.get(f"/console/applications/{apps[2]}")
    assert page.status_code == 200 and "七有" in page.get_data(as_text=True)
    assert 'class="decide' not in page.get_data(as_text=True)          # reading, not deciding
    assert expert.get(f"/console/applications/{apps[3]}").status_code == 403
    listing = expert.get(f"/console/applications?year={YEAR}").get_data(as_text=True)
    assert f"/console/applications/{apps[2]}" in listing and f"/console/applications/{apps[3]}" not in listing


def s_round(bot):
    with bot.db.session() as s:
        round_ = s.scalar(select(AssessmentRound))
        s.expunge(round_)
        return round_


def test_a_unit_union_and_a_leader_are_refused_the_office_pages(make_bot):
    bot = make_bot()
    clock.set_now(moment(2026, 9, 1))
    office_year(bot, YEAR)
    for who in ("union", "leader"):
        client = signed_in_client(bot, who)
        for path in ("/console/assessment", "/console/publicity", "/console/certificates"):
            response = client.get(path)
            assert response.status_code == 403, (who, path)
            assert "仅限" in response.get_data(as_text=True)
    client = client_of(bot, "admin", "/console/certificates")        # admins read 考核验收 and keep certificates
    assert client.get("/console/assessment").status_code == 200
    assert client.get("/console/publicity").status_code == 403
    with bot.db.session() as s:
        assert s.query(AuditEntry).filter(AuditEntry.action == "console.refused").count() == 7


def test_publicity_objections_and_the_decision_refused_before_the_second_half(make_bot, tmp_path):
    bot = make_bot(naming_quota=2, publicity_working_days=3)
    clock.set_now(moment(2026, 6, 10))
    apps = office_year(bot, YEAR, n=4)["apps"]
    assessed_year(bot, dict(zip(apps, (95, 90, 85, 80))))
    clock.set_now(moment(2026, 6, 15))
    office = client_of(bot, "group", "/console/publicity")
    proposed = part(office.get("/console/publicity").get_data(as_text=True), "proposed")
    assert "港口工程0号创新工作室" in proposed and "桥梁施工1号创新工作室" in proposed and "隧道盾构2号" not in proposed
    html = post(office, "/console/publicity/publish", year=YEAR, working_days="3")
    assert "已发布第 1 批公示（2 家）" in html and "2026年6月15日至2026年6月17日（3 个工作日）" in html
    publicity_id = re.search(r"/console/publicity/(\d+)/document.xlsx", html).group(1)
    xlsx = office.get(f"/console/publicity/{publicity_id}/document.xlsx")
    docx = office.get(f"/console/publicity/{publicity_id}/document.docx")
    assert xlsx.status_code == docx.status_code == 200 and xlsx.data[:2] == docx.data[:2] == b"PK"
    assert "filename*=UTF-8''2026" in docx.headers["Content-Disposition"]

    # an objection upheld takes studio 1 off; the next in the ranking is proposed for its own 公示
    html = post(office, "/console/publicity/objections", year=YEAR, app_id=apps[1], content="反映场所为临时借用",
                source="匿名", received_on="2026-06-16")
    assert "已登记对「桥梁施工1号创新工作室」的异议" in html
    objection = re.search(r'/console/publicity/objections/(\d+)"', html).group(1)
    html = post(office, f"/console/publicity/objections/{objection}", year=YEAR, upheld="yes", finding="经核实属实")
    assert "异议成立" in html and "已移出" in html
    html = post(office, "/console/publicity/publish", year=YEAR, working_days="3")
    assert "已发布第 2 批公示（1 家）" in html

    # 公示 over, but June is not the second half year: the naming service's refusal is shown
    clock.set_now(moment(2026, 6, 29))
    html = post(office, f"/console/publicity/decisions/{apps[0]}", year=YEAR, decision="name", opinion="同意命名")
    assert "不能在 20260629 命名" in flashes(html)[0]
    html = post(office, f"/console/publicity/decisions/{apps[1]}", year=YEAR, decision="not_named", opinion="")
    assert "请写明本年度不予命名的意见" in html
    html = post(office, f"/console/publicity/decisions/{apps[1]}", year=YEAR, decision="not_named",
                opinion="公示异议成立，本年度不予命名")
    assert "本年度不予命名" in flashes(html)[0]
    clock.set_now(moment(2026, 9, 10))
    html = post(office, f"/console/publicity/decisions/{apps[0]}", year=YEAR, decision="name", opinion="")
    assert "已命名（2026年9月10日），一次性补助经费 5 万元已记入经费台账；本年度剩余名额 1 个" in html
    html = post(office, f"/console/publicity/decisions/{apps[0]}", year=YEAR, decision="name", opinion="")
    assert "不能命名" in flashes(html)[0] or "已于 20260910 命名" in flashes(html)[0]
    with bot.db.session() as s:
        assert [a.status for a in s.scalars(select(Application).order_by(Application.id)).all()
                if a.id in apps[:2]] == ["named", "rejected"]
        assert s.query(LedgerEntry).filter(LedgerEntry.ledger == "funding").count() == 1


# -- Chromium ------------------------------------------------------------------------------------

@pytest.mark.browser
def test_an_expert_scores_a_sheet_on_a_phone(make_bot, browser):
    bot = make_bot()
    clock.set_now(moment(2026, 7, 10))
    apps = office_year(bot, YEAR)["apps"]
    open_with_experts(bot, ("expert3",))
    with bot.db.transaction() as s:
        sheet = assessment.assign(ctx(bot, s, "group"), YEAR, apps[0], person_id(bot, "expert3"))["sheet"].id
    points = scores_for(s_round(bot), 91.5)
    with console_page(bot, browser, "expert3", viewport={"width": 390, "height": 844}, is_mobile=True,
                      has_touch=True) as (page, base):
        page.goto(base + "/console/assessment")
        page.click("text=港口工程0号创新工作室")
        page.wait_for_url(re.compile(rf".*/sheets/{sheet}$"))
        for key, value in points.items():
            if key != "i8":
                page.fill(f"input[name=score_{key}]", value)
        page.fill("textarea[name=note_i7]", "专利两项，省级成果一项")
        page.fill("textarea[name=comment]", "场所、制度、成果均符合要求")
        page.click("button[value=submit]")
        assert "人才培养与交流 未打分" in page.inner_text(".flash.error")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390      # no sideways scrolling
        page.fill("input[name=score_i8]", points["i8"])
        page.click("button[value=submit]")
        assert "评分表已提交，合计 91.5 分" in page.inner_text(".flash")
        assert page.locator("input[name=score_i1]").count() == 0
    with bot.db.session() as s:
        done = s.get(ScoreSheet, sheet)
        assert done.submitted_at is not None and done.notes == {"i7": "专利两项，省级成果一项"}


@pytest.mark.browser
def test_the_office_closes_publishes_names_and_issues_certificates(make_bot, browser, tmp_path):
    bot = make_bot(naming_quota=3, certificate_prefix="工创证", naming_doc_prefix="工联字")
    clock.set_now(moment(2026, 8, 20))
    apps = office_year(bot, YEAR, n=4)["apps"]
    assessed_year(bot, dict(zip(apps, (95, 90, 85, 80))), close=False)
    with console_page(bot, browser, "group") as (page, base):
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(base + "/console/assessment")
        page.click("#close-round")
        assert "2026 年度考核验收已结束" in page.inner_text(".flash")
        assert page.locator("#ranking tbody tr").count() == 4

        clock.set_now(moment(2026, 9, 1))
        page.goto(base + "/console/publicity")
        assert page.locator("#proposed tbody tr").count() == 3
        page.click("#publish")
        assert "已发布第 1 批公示（3 家）" in page.inner_text(".flash")

        clock.set_now(moment(2026, 9, 10))
        page.goto(base + "/console/publicity")
        for app_id in apps[:3]:
            page.click(f"#decide-{app_id} button[value=name]")
            assert "已命名" in page.inner_text(".flash")
        page.fill(f"#decide-{apps[3]} input[name=opinion]", "名额已满，本年度不予命名")
        page.click(f"#decide-{apps[3]} button[value=not_named]")
        assert "本年度不予命名" in page.inner_text(f"#decide-{apps[3]}")

        page.goto(base + "/console/certificates")
        page.click("#issue-button")
        assert "已印发命名文件 工联字〔2026〕001号，证书 3 张" in page.inner_text(".flash")
        assert page.locator(".generating").count() == 1
        TaskRunner(bot).run_all()                       # the worker renders the PDFs (LibreOffice)
        page.wait_for_selector("text=下载命名文件", timeout=15000)     # the page polls until they are stored
        link = page.locator("#plaque-1 a, tr:has-text('工创证〔2026〕001号') a").first.get_attribute("href")
        certificate = page.request.get(base + link)
        assert certificate.headers["content-type"] == "application/pdf"
        text = pdf_text(certificate.body(), tmp_path, "cert.pdf")
        assert "工创证〔2026〕001号" in text and "港口工程0号创新工作室" in text
        document = page.request.get(base + page.get_attribute("text=下载命名文件", "href"))
        text = pdf_text(document.body(), tmp_path, "doc.pdf")
        assert "工联字〔2026〕001号" in text and "隧道盾构2号创新工作室" in text

        row = page.locator("tr:has-text('工创证〔2026〕002号')")
        row.locator("select[name=status]").select_option("已送达")
        row.locator("button").click()
        assert "桥梁施工1号创新工作室」的牌匾：已送达" in page.inner_text(".flash")
        with page.expect_download() as download:
            page.click("text=导出牌匾清单 Excel")
        assert download.value.suggested_filename == "2026年度牌匾清单.xlsx"


def test_a_tie_broken_with_a_reason_a_sheet_taken_back_and_the_results_exported(make_bot):
    bot = make_bot(naming_quota=1, dev_today="2026-07-20")
    apps = office_year(bot, YEAR, n=3)["apps"]
    assessed_year(bot, {apps[0]: 90, apps[1]: 90}, close=False)
    with bot.db.transaction() as s:
        waiting = assessment.assign(ctx(bot, s, "group"), YEAR, apps[2], person_id(bot, "expert3"))["sheet"].id
    office = client_of(bot, "group")
    page = office.get("/console/assessment").get_data(as_text=True)
    assert "开发用决策时钟（BOT_DEV_TODAY）：今天是 2026-07-20" in page
    assert "并列，待确定名次" in part(page, "ranking") and 'name="place_' in page
    html = post(office, "/console/assessment/close", year=YEAR)
    assert "还有 1 份评分表没有提交：郑专家（隧道盾构2号创新工作室）" in flashes(html)[0]
    html = post(office, f"/console/assessment/sheets/{waiting}/unassign", year=YEAR, reason="")
    assert "请写明撤回分配的理由" in flashes(html)[0]
    html = post(office, f"/console/assessment/sheets/{waiting}/unassign", year=YEAR, reason="材料不全，暂不评审")
    assert "已撤回这份评分表的分配" in html
    html = post(office, "/console/assessment/ties", year=YEAR, order=f"{apps[0]},{apps[1]}",
                reason="", **{f"place_{apps[0]}": "2", f"place_{apps[1]}": "1"})
    assert "请写明确定名次的理由" in flashes(html)[0]
    html = post(office, "/console/assessment/ties", year=YEAR, order=f"{apps[0]},{apps[1]}",
                reason="成果转化应用更多", **{f"place_{apps[0]}": "2", f"place_{apps[1]}": "1"})
    ranking = part(html, "ranking")
    assert "并列已确定：成果转化应用更多" in ranking
    assert ranking.index("桥梁施工1号") < ranking.index("港口工程0号")
    html = post(office, "/console/assessment/close", year=YEAR)
    assert "2026 年度考核验收已结束（2 份评分表）" in html and "结束考核验收</button>" not in html
    exported = office.get(f"/console/assessment/results.xlsx?year={YEAR}")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
    with bot.db.session() as s:
        assert s.query(AuditEntry).filter(AuditEntry.action == "assessment.tie").count() == 1
        assert s.query(AuditEntry).filter(AuditEntry.action == "console.export").count() == 1
    expert = client_of(bot, "expert3")                 # the round closed: the expert sees the results too
    assert "并列已确定：成果转化应用更多" in expert.get("/console/assessment").get_data(as_text=True)
