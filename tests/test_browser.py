"""The try-out page in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""
import os

import pytest

from bot.app import create_app
from tests.live import LiveServer


@pytest.mark.browser
def test_leader_asks_for_help_and_presses_buttons(bot, browser):
    from bot.message import Button
    bot.router.add_command("选一个", lambda t, a: t.reply("请选择：", [Button("甲", "选一个 甲")]) if not a
                           else t.reply(f"您选了{a}"))
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = browser.new_page()
        page.goto(live.url + "/try")
        page.wait_for_selector("#who option[value=leader]", state="attached")
        page.select_option("#who", "leader")
        page.fill("#text", "帮助")
        page.press("#text", "Enter")
        reply = page.locator(".msg.bot", has_text="王海您好")
        reply.wait_for(timeout=5000)
        assert "我是谁" in reply.inner_text()
        page.fill("#text", "选一个")
        page.click("#send")
        page.locator(".buttons button", has_text="甲").click()
        page.locator(".msg.bot", has_text="您选了甲").wait_for(timeout=5000)
        os.makedirs("/tmp/screens", exist_ok=True)
        page.screenshot(path="/tmp/screens/try.png")


@pytest.mark.browser
def test_pushed_messages_appear(bot, browser):
    from bot.delivery import Delivery
    from bot.message import Outgoing
    from storage.outbox import enqueue
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = browser.new_page()
        page.goto(live.url + "/try")
        page.wait_for_selector("#who option[value=union]", state="attached")
        page.select_option("#who", "union")
        with bot.db.transaction() as s:
            enqueue(s, "web", "union", Outgoing(text="【待审批】示例工作室"))
        Delivery(bot).drain()
        page.locator(".msg.push", has_text="【待审批】示例工作室").wait_for(timeout=8000)


@pytest.mark.browser
def test_the_upload_button_sends_a_proof(bot, browser, tmp_path):
    from datetime import datetime
    from tests.support.clock import clock
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    photo = tmp_path / "命名文件.jpg"
    photo.write_bytes(b"\xff\xd8 a photo")
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = browser.new_page()
        page.goto(live.url + "/try")
        page.wait_for_selector("#who option[value=leader]", state="attached")
        page.select_option("#who", "leader")
        page.fill("#text", "申报")
        page.press("#text", "Enter")
        page.locator(".msg.bot", has_text="开始填写").wait_for(timeout=5000)
        page.fill("#text", "证明 命名单位")
        page.set_input_files("#file", str(photo))
        page.locator(".msg.me", has_text="证明 命名单位 [文件] 命名文件.jpg").wait_for(timeout=5000)
        page.locator(".msg.bot", has_text="已附在「命名单位」下").wait_for(timeout=5000)


def open_try(browser, live, **context):
    page = browser.new_context(**context).new_page()
    page.goto(live.url + "/try")
    page.wait_for_selector("#who option[value=leader]", state="attached")
    return page


@pytest.mark.browser
def test_sending_before_picking_an_identity_is_refused_and_keeps_the_text(bot, browser):
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = open_try(browser, live)
        notice = page.locator("#notice")
        assert not notice.is_visible()
        page.fill("#text", "帮助")
        page.press("#text", "Enter")
        assert notice.inner_text() == "请先在上方选择一个演示身份。" and notice.is_visible()
        assert page.input_value("#text") == "帮助"              # kept, not silently dropped
        page.click("#send")
        assert page.locator(".msg.me").count() == 0 and page.input_value("#text") == "帮助"
        page.select_option("#who", "leader")
        assert not notice.is_visible()
        page.click("#send")
        page.locator(".msg.bot", has_text="王海您好").wait_for(timeout=5000)
        assert page.input_value("#text") == ""


@pytest.mark.browser
def test_the_buttons_of_an_answered_question_are_disabled(bot, browser):
    from bot.message import Button
    bot.router.add_command("选一个", lambda t, a: t.reply("请选择：", [Button("甲", "选一个 甲"), Button("乙", "选一个 乙")])
                           if not a else t.reply(f"您选了{a}"))
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = open_try(browser, live)
        page.select_option("#who", "leader")
        page.fill("#text", "选一个")
        page.press("#text", "Enter")
        first = page.locator(".msg.bot", has_text="请选择：").nth(0)
        first.wait_for(timeout=5000)
        first.locator("button", has_text="甲").click()
        page.locator(".msg.bot", has_text="您选了甲").wait_for(timeout=5000)
        assert first.locator("button", has_text="甲").is_disabled()
        assert first.locator("button", has_text="乙").is_disabled()     # the other answer of the same question
        first.locator("button", has_text="乙").click(force=True)        # a press of a disabled button sends nothing
        assert page.locator(".msg.me").count() == 2

        page.fill("#text", "选一个")                                      # asked again: new buttons, pressable
        page.press("#text", "Enter")
        second = page.locator(".msg.bot", has_text="请选择：").nth(1)
        second.wait_for(timeout=5000)
        assert second.locator("button", has_text="乙").is_enabled()
        page.fill("#text", "帮助")                                        # a newer message answers it too
        page.press("#text", "Enter")
        page.locator(".msg.bot", has_text="王海您好").wait_for(timeout=5000)
        assert second.locator("button", has_text="甲").is_disabled()
        assert second.locator("button", has_text="乙").is_disabled()


@pytest.mark.browser
def test_file_links_show_a_text_marker_not_an_emoji(bot, browser):
    from bot.delivery import Delivery
    from bot.message import Outgoing
    from storage.outbox import enqueue
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = open_try(browser, live)
        page.select_option("#who", "leader")
        with bot.db.transaction() as s:
            enqueue(s, "web", "leader", Outgoing(text="已生成申报审批表：",
                                                 file={"name": "申报审批表.docx", "url": "/files/x"}))
        Delivery(bot).drain()
        link = page.locator(".msg.push a.file")
        link.wait_for(timeout=8000)
        assert link.inner_text() == "[文件] 申报审批表.docx"
        assert link.get_attribute("download") == "申报审批表.docx"
        assert page.locator("#attach").inner_text().strip() == "文件"
        assert "\U0001f4ce" not in page.content()                        # no 📎 anywhere on the page


@pytest.mark.browser
def test_the_page_works_on_a_phone_sized_screen(bot, browser):
    from datetime import datetime
    from tests.support.clock import clock
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = open_try(browser, live, viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True)
        page.select_option("#who", "leader")
        page.fill("#text", "申报")
        page.press("#text", "Enter")
        page.locator(".msg.bot", has_text="开始填写").wait_for(timeout=5000)
        page.fill("#text", "王海隧道掘进劳模创新工作室")
        page.press("#text", "Enter")
        page.locator(".msg.bot", has_text="✓").wait_for(timeout=5000)
        page.fill("#text", "修改 工作室类型")
        page.press("#text", "Enter")
        page.locator(".msg.bot .buttons button").first.wait_for(timeout=5000)
        # nothing wider than the screen, and the input row stays on it below the log
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for selector in ("header", "#log", "#text", "#attach", "#send", ".msg.bot >> nth=-1"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (selector, box)
        send = page.locator("#send").bounding_box()
        assert send["y"] + send["height"] <= 700 and send["width"] >= 40 and send["height"] >= 32
        assert page.locator("#log").bounding_box()["y"] + page.locator("#log").bounding_box()["height"] <= send["y"]
        os.makedirs("/tmp/screens", exist_ok=True)
        page.screenshot(path="/tmp/screens/try-phone.png")
        page.locator(".msg.bot .buttons button").first.tap()               # a finger press works
        page.locator(".msg.bot", has_text="✓ 工作室类型").wait_for(timeout=5000)
        page.screenshot(path="/tmp/screens/try-phone-answered.png")
