"""Helpers for the console's tests: an app and a test client signed in as a demo identity, a live
server with a Chromium page signed in through the sign-in page, and the CSRF token of a page."""
import re
from contextlib import contextmanager

from bot.app import create_app
from tests.live import LiveServer


def csrf_of(html):
    """The CSRF token a console page carries (forms and htmx requests send it back)."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in_client(bot, who, app=None):
    """A Flask test client signed in through the demo sign-in as try-out identity ``who``
    ("union", "group", "leader" …); its ``csrf`` attribute holds the token for POSTs."""
    app = app or create_app(bot.config, bot=bot)
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login/demo", data={"who": who, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.csrf = csrf_of(client.get("/console/").get_data(as_text=True))   # signing in starts a new cookie
    return client


def sign_in_page(page, base_url, who):
    """Sign in a Chromium page through the console's sign-in page as demo identity ``who``."""
    page.goto(base_url + "/console/login")
    page.select_option("#who", who)
    page.click("form.demo button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/.*"))


@contextmanager
def console_page(bot, browser, who, **context):
    """A live server and a Chromium page signed in as ``who``: yields (page, base_url)."""
    with LiveServer(create_app(bot.config, bot=bot)) as live:
        page = browser.new_page(**context)
        sign_in_page(page, live.url, who)
        try:
            yield page, live.url
        finally:
            page.close()
