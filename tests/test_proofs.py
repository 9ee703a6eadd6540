"""Proofs tied to the starred items they prove: in the form, by 证明 <标签>, listed, removed, replaced,
uploaded on the try-out page; checked at 提交 and shown to reviewers."""
import base64

import pytest
from sqlalchemy import select

from bot import files
from storage.models import Application, Attachment, StoredFile
from tests.form_data import fill_all
from tests.support.files import send_file  # noqa: F401


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025




def stored_proofs(bot):
    """[(item key, file name)] of every proof kept, in order."""
    with bot.db.session() as s:
        rows = s.execute(select(Attachment.field_key, StoredFile.name).join(StoredFile, StoredFile.id == Attachment.file_id)
                         .where(Attachment.owner_kind == "application").order_by(Attachment.id)).all()
        return [tuple(r) for r in rows]


def test_a_photo_after_a_starred_answer_is_kept_against_that_answer(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("命名单位：省总工会")
    assert "此项需提供证明材料" in reply
    reply = send_file(bot, name="命名文件.jpg")
    assert "已附在「命名单位」下（该项共 1 份）" in reply
    # the next answer is not starred: a file now has no item, it waits for 证明 <标签>
    leader.send("专业领域：隧道盾构施工")
    reply = send_file(bot, name="whatever.jpg")
    assert "它是哪一项的证明材料" in reply
    reply = leader.send("证明 创新成果")
    assert "已附在「创新成果」下" in reply
    assert stored_proofs(bot) == [("basics.named_by", "命名文件.jpg"), ("innovation.results", "whatever.jpg")]


def test_proof_label_sets_the_target_at_any_time_and_the_list_counts(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("创新成果：12项")
    leader.send("国际奖：0")
    leader.send("2023年创收金额：35.5万元")
    reply = leader.send("证明 创收金额")
    assert "有多项" in reply and "2023年创收金额" in reply and "2024年创收金额" in reply
    reply = leader.send("证明 2023年创收金额")
    assert "还没有证明材料" in reply and "请发送「2023年创收金额」的证明" in reply
    assert "已附在「2023年创收金额」下（该项共 1 份）" in send_file(bot, name="财务证明1.jpg")
    assert "该项共 2 份" in send_file(bot, name="财务证明2.jpg")
    # a file sent with the command in one message (the try-out page can)
    assert "已附在「创新成果」下" in send_file(bot, name="成果.pdf", text="证明 创新成果")
    listing = leader.send("证明")
    assert "共 3 份" in listing
    assert "2023年创收金额：2 份" in listing and "创新成果：1 份" in listing
    assert "国际奖" in listing.split("无需证明")[1].split("\n")[0]      # 0 needs no proof
    assert "缺少证明" not in listing.split("无需证明")[0].split("创新成果")[1].split("\n")[0]
    # outside the form too
    leader.send("取消")
    leader.press("确认退出")
    assert "共 3 份" in leader.send("证明")
    assert "不是带 * 的项目" in leader.send("证明 专业领域")


def test_a_proof_is_removed_and_replaced(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("发明专利：2")
    send_file(bot, name="a.jpg")
    send_file(bot, name="b.jpg")
    reply = leader.send("证明 发明专利")
    assert "1. a.jpg" in reply and "2. b.jpg" in reply
    reply = leader.send("替换证明 发明专利 1")
    assert "请发送新的文件，替换「发明专利」的第 1 份" in reply
    assert "a2.jpg（已替换原文件）" in send_file(bot, name="a2.jpg")
    assert "该项共 3 份" in send_file(bot, name="c.jpg")       # the next file is added again
    reply = leader.send("删除证明 发明专利 2")
    assert "已删除「发明专利」的第 2 份证明材料：b.jpg" in reply
    assert stored_proofs(bot) == [("innovation.invention", "a2.jpg"), ("innovation.invention", "c.jpg")]
    assert "没有第 5 份" in leader.send("删除证明 发明专利 5")
    assert "请写出项目名和序号" in leader.send("删除证明 发明专利")


def test_extra_written_proofs_are_kept_as_other_proofs(bot, chat):
    """说明7: 其它需要特别说明的内容 with written proof, tied to no starred item (「证明 其他」)."""
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("证明 其他")
    assert "「其他证明材料」还没有证明材料" in reply and "请发送「其他证明材料」的证明" in reply
    assert "已附在「其他证明材料」下（该项共 1 份）" in send_file(bot, name="情况说明.pdf")
    assert "已附在「其他证明材料」下（该项共 2 份）" in send_file(bot, name="获奖通报.jpg", text="证明 补充材料")
    assert stored_proofs(bot) == [("other", "情况说明.pdf"), ("other", "获奖通报.jpg")]
    listing = leader.send("证明")
    assert "其他证明材料（填表说明 7）：2 份。" in listing and "「证明 其他」" in listing
    assert "共 0 份" in listing                      # the starred items' count is theirs alone
    reply = leader.send("删除证明 其他 1")
    assert "已删除「其他证明材料」的第 1 份证明材料：情况说明.pdf" in reply
    assert stored_proofs(bot) == [("other", "获奖通报.jpg")]
    assert "「技术等级其他」还没有证明材料" in leader.send("证明 技术等级其他")     # the grade by its full name


def test_the_try_api_takes_a_file(bot, client):
    client.post("/try/api/messages", json={"user": "leader", "text": "申报"})
    client.post("/try/api/messages", json={"user": "leader", "text": "实用新型专利：3个"})
    content = base64.b64encode(b"%PDF-1.4 fake").decode()
    res = client.post("/try/api/messages", json={"user": "leader", "file": {"name": "专利证书.pdf",
                                                                            "content_base64": content}})
    assert res.status_code == 200
    assert "已附在「实用新型专利」下" in res.get_json()["replies"][0]["text"]
    assert stored_proofs(bot) == [("innovation.utility", "专利证书.pdf")]
    with bot.db.session() as s:
        stored = s.scalar(select(StoredFile).where(StoredFile.name == "专利证书.pdf"))
        assert open(stored.path, "rb").read() == b"%PDF-1.4 fake"
    for bad, why in (({"name": "x.jpg", "content_base64": "***"}, "base64"),
                     ({"name": "x.jpg"}, "content_base64"), ("x", "name"),
                     ({"name": "x.jpg", "content_base64": ""}, "空的")):
        res = client.post("/try/api/messages", json={"user": "leader", "file": bad})
        assert res.status_code == 400 and why in res.get_json()["error"], bad
    # a photo larger than BOT_MAX_BODY_BYTES (256 KB) still gets through: the try API allows its file
    big = base64.b64encode(b"\xff\xd8" + b"x" * 400 * 1024).decode()
    res = client.post("/try/api/messages", json={"user": "leader", "file": {"name": "照片.jpg", "content_base64": big}})
    assert res.status_code == 200 and "该项共 2 份" in res.get_json()["replies"][0]["text"]
    bot.config.try_upload_bytes = 10
    res = client.post("/try/api/messages", json={"user": "leader", "file": {
        "name": "big.jpg", "content_base64": base64.b64encode(b"x" * 11).decode()}})
    assert res.status_code == 400 and "文件太大" in res.get_json()["error"]
    assert len(stored_proofs(bot)) == 2


def test_the_try_page_has_an_upload_button(client):
    page = client.get("/try").get_data(as_text=True)
    assert 'type="file"' in page and "content_base64" in page


# -- 2. checked at 提交, shown to reviewers ---------------------------------------------------------------

def app_status(bot):
    with bot.db.session() as s:
        return s.scalar(select(Application.status))


def test_submit_lists_the_starred_items_without_proof_and_asks_to_confirm(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    leader.send("证明 命名单位")
    send_file(bot, name="命名文件.jpg")
    reply = leader.send("提交")
    note = reply.split("注意：")[1]
    assert "项带 * 的内容还没有证明材料" in note and "也可以先提交" in note and "确认提交吗" in note
    assert "创新成果" in note and "2023年创收金额" in note and "获奖年份及荣誉称号" in note
    assert "命名单位" not in note and "国际奖" not in note        # proved / answered 0
    assert "确认提交" in leader.buttons()
    assert "已提交" in leader.press("确认提交")
    assert app_status(bot) == "submitted"
    # after submission the proofs are the reviewers' to read, not to change
    assert "不能再修改" in leader.send("删除证明 命名单位 1")
    assert "不能再修改" in send_file(bot, name="late.jpg")        # the 证明 target is still set
    assert stored_proofs(bot) == [("basics.named_by", "命名文件.jpg")]

    union = chat("union")
    prompt = [t for t in union.inbox() if t.startswith("【待审批】")][0]
    assert "证明材料：1 份" in prompt and "项缺少证明" in prompt
    union.send("审批")
    assert "查看证明" in union.buttons()
    reply = union.press("查看证明")
    assert "命名单位：1 份" in reply and "1. 命名单位：命名文件.jpg" in reply
    assert [f["name"] for f in union.files()] == ["命名文件.jpg"]


def test_only_its_readers_see_an_applications_proofs(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("命名单位：省总工会")
    send_file(bot, name="命名文件.jpg")
    with bot.db.session() as s:
        app_id = s.scalar(select(Application.id))
    assert "无权查看" in chat("tech").action(f"review:proofs:{app_id}")        # not a step's reviewer yet
    assert "命名单位：1 份" in chat("group").action(f"review:proofs:{app_id}")  # the group union
    assert "命名单位：1 份" in chat("member").action(f"review:proofs:{app_id}")  # the studio's people
    assert "已不存在" in chat("group").action("review:proofs:999")


def test_missing_proof_blocks_submission_when_required(make_bot):
    from tests.chat import Chat
    bot = make_bot(proofs_required=True)
    leader = Chat(bot, "leader")
    leader.send("申报")
    fill_all(leader)
    reply = leader.send("提交")
    assert "还没有证明材料，暂不能提交" in reply and "创新成果" in reply
    assert "确认提交" not in leader.buttons() and "查看证明" in leader.buttons()
    assert "缺少证明" in leader.press("查看证明")
    leader.send("申报")
    assert "暂不能提交" in leader.action("form:confirm_submit")      # a stale confirmation is checked too
    assert app_status(bot) == "draft"


def test_outside_the_form_a_file_waits_for_its_label(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("成果转化：5")
    leader.send("取消")
    leader.press("确认退出")
    assert "它是哪一项的证明材料" in send_file(bot, name="转化证明.jpg")
    assert "它是哪一项的证明材料" in send_file(bot, name="转化证明2.jpg")
    reply = leader.send("证明 成果转化")
    assert "转化证明.jpg、转化证明2.jpg" in reply and "该项共 2 份" in reply
    assert "该项共 3 份" in send_file(bot, name="转化证明3.jpg")       # the target takes the next ones
    assert [k for k, _ in stored_proofs(bot)] == ["innovation.applied"] * 3


def test_a_deleted_or_replaced_proofs_links_answer_410_and_its_file_is_gone(bot, chat, client):
    from pathlib import Path
    from urllib.parse import urlsplit
    from bot.tasks import TaskRunner
    leader = chat("leader")
    leader.send("申报")
    leader.send("发明专利：2")
    send_file(bot, name="a.jpg", data=b"\xff\xd8 first")
    send_file(bot, name="b.jpg", data=b"\xff\xd8 second")
    with bot.db.session() as s:
        kept = {f.name: (f.path, urlsplit(files.url_for(bot, f))) for f in s.scalars(select(StoredFile))}
    links = {name: f"{url.path}?{url.query}" for name, (_, url) in kept.items()}   # issued before the deletion
    assert client.get(links["a.jpg"]).status_code == 200 and client.get(links["b.jpg"]).status_code == 200
    leader.send("删除证明 发明专利 2")
    response = client.get(links["b.jpg"])
    assert response.status_code == 410 and response.get_json() == {"error": "该文件已被删除，无法下载"}
    leader.send("替换证明 发明专利 1")
    send_file(bot, name="a2.jpg")
    assert client.get(links["a.jpg"]).status_code == 410
    TaskRunner(bot).run_all()                   # the worker removes the bytes after the commit
    assert not Path(kept["a.jpg"][0]).exists() and not Path(kept["b.jpg"][0]).exists()
    assert client.get(links["b.jpg"]).status_code == 410
    with bot.db.session() as s:                 # the rows stay for the audit, never served
        gone = s.scalars(select(StoredFile).where(StoredFile.name.in_(["a.jpg", "b.jpg"]))).all()
        assert len(gone) == 2 and all(f.deleted_at is not None and f.path == "" for f in gone)
    assert stored_proofs(bot) == [("innovation.invention", "a2.jpg")]
