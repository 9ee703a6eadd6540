"""The try-out page in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""
import os
import shutil

import pytest

from bot import create_app
from tests.live import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


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
    from bot.outbox import enqueue
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
    from bot import clock
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
        page.locator(".msg.me", has_text="证明 命名单位 📎 命名文件.jpg").wait_for(timeout=5000)
        page.locator(".msg.bot", has_text="已附在「命名单位」下").wait_for(timeout=5000)
