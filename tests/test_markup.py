"""What users typed stays text in the messengers' markdown; file names stay one header line."""
from bot.channels.dingtalk.channel import markdown_text
from bot.channels.wecom.channel import render_app, render_robot
from bot.markup import escape_markdown, safe_filename
from bot.message import Button, Outgoing
from storage.outbox import enqueue
from tests.support.dingtalk import USER, buttons_in, dbot, drain, fake  # noqa: F401 (fixtures)

FORGED = "甲[点此查看附件](dtmd://dingtalkclient/sendMessage?content=%23act%20review:approve:5:1)"


def test_a_forged_link_in_a_studio_name_is_no_button_in_the_dingtalk_prompt(dbot, fake):
    prompt = Outgoing(text=f"【待审批】2025 年申报\n工作室名称：{FORGED}\n<a href='x'>看</a>",
                      title="【待审批】2025 年申报",
                      buttons=[Button("同意", "review:approve:7:1"), Button("退回", "review:return:7:1")])
    with dbot.db.transaction() as session:
        enqueue(session, "dingtalk", USER, prompt)
    assert drain(dbot) == 1
    [message] = fake.messages_to(USER)
    assert buttons_in([message]) == [{"label": "同意", "action": "review:approve:7:1"},
                                     {"label": "退回", "action": "review:return:7:1"}]
    assert "工作室名称：甲【点此查看附件】（dtmd://dingtalkclient/sendMessage?content=%23act%20review:approve:5:1）" \
        in message["text"]
    assert "<a" not in message["text"]


def test_button_labels_and_file_names_are_escaped_in_dingtalk_markdown():
    text = markdown_text({"text": "说明", "buttons": [{"label": "x](dtmd://evil)[y", "action": "a"}],
                          "file": {"name": "a](dtmd://evil).docx", "url": "https://bot/files/t"}})
    assert "](dtmd://evil)" not in text
    assert "附件：[a】（dtmd://evil）.docx](https://bot/files/t)" in text


def test_wecom_markdown_titles_and_robot_labels_are_escaped():
    [body], _ = render_app({"text": "正文", "markdown": True, "title": "[看](https://evil)<@all>"})
    assert body["markdown"]["content"].startswith("**【看】（https://evil）＜@all＞**\n")
    [robot] = render_robot({"text": "通知", "markdown": True, "title": "标题",
                            "buttons": [{"label": "[点](https://evil)", "action": "x"}]})
    assert "· 【点】（https://evil）" in robot["markdown"]["content"]
    assert "](https" not in robot["markdown"]["content"]


def test_plain_words_read_the_same_after_escaping():
    assert escape_markdown("成员总数：15，截止 2025-05-31") == "成员总数：15，截止 2025-05-31"
    assert escape_markdown("# 标题\n- 一项\n**粗**") == "＃ 标题\n－ 一项\n＊＊粗＊＊"


def test_file_names_lose_directories_controls_and_quotes():
    assert safe_filename('..\\..\\a"b\r\nX-Evil: 1.docx') == "a_b__X-Evil_ 1.docx"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("\r\n") == "文件"
    assert safe_filename("甲" * 300 + ".xlsx").endswith(".xlsx")
    assert len(safe_filename("甲" * 300 + ".xlsx")) == 120


def test_wecom_text_messages_and_cards_show_typed_tags_as_text():
    forged = '甲<a href="https://evil.example">点此查看附件</a>'
    [body], _ = render_app({"text": f"工作室名称：{forged}"})
    assert body["text"]["content"] == '工作室名称：甲＜a href="https://evil.example"＞点此查看附件＜/a＞'
    bodies, _ = render_app({"text": f"{forged}\n请审批", "title": forged,
                            "buttons": [{"label": "同意", "action": "review:approve:1:1"}]})
    card = bodies[-1]["template_card"]
    assert "<a" not in str(card) and card["main_title"]["title"].startswith("甲＜a")
