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
from handlers.services import selfcheck
from storage.models import Attachment, SpotCheck, SpotCheckResult, Studio
from storage.office import Rectification
from tests.support.clock import clock
from tests.support.console import csrf_of, signed_in_client
from tests.support.office import ctx, moment, office_year

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
    history = text_of(union.get(f"/console/spotchecks/studios/{first}"))
    steps = re.findall(r"<td>(登记抽查结果|限期整改|整改结束|确认撤销称号)</td>", history)
    assert steps == ["登记抽查结果", "限期整改", "登记抽查结果", "整改结束", "确认撤销称号"]
    assert "逾期未完成整改；经复查仍未整改" in history and "已撤销称号" in history


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
    assert "领衔人已获评省部级劳模" in text_of(client_of(bot, "group").get(f"/console/spotchecks/studios/{named[0]}"))
