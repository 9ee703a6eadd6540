"""The long-running processes and their checks: `worker`, `dingtalk-stream`, `check-config`."""
import signal
import sys
import threading

import click

from bot import workdays
from bot.channels.dingtalk import stream
from bot.cli.common import make_bot
from bot.worker import Worker
from handlers.application import fonts, package
from handlers.notices.rules import holidays_text


@click.command()
def worker():
    """Run the worker: scheduler + outbound delivery (the Procfile's `worker:`)."""
    bot = make_bot(migrate=True)
    Worker(bot).run()


@click.command("dingtalk-stream")
@click.option("--watchdog", default=120, show_default=True, help="reconnect after this many silent seconds")
def dingtalk_stream(watchdog):
    """Receive DingTalk robot messages over Stream mode (no public callback URL needed)."""
    bot = make_bot()
    if not bot.config.dingtalk_enabled:
        click.echo("请先设置 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET。", err=True)
        sys.exit(2)
    bot.migrate()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (stop.set(), stream.stop()))
    signal.signal(signal.SIGINT, lambda *_: (stop.set(), stream.stop()))
    stream.run_stream(bot, watchdog_seconds=watchdog, stop_event=stop)


@click.command("check-config")
def check_config():
    """Validate the configuration and exit (non-zero with the reasons when invalid)."""
    bot = make_bot()
    if package.soffice_path(bot.config) is None:
        click.echo(f"警告：没有找到 LibreOffice（{bot.config.soffice}），「导出材料包」不能生成 PDF。"
                   "请安装 LibreOffice，或用 BOT_SOFFICE 指明 soffice 的位置。")
    elif fonts.fangsong_face() is None:
        click.echo(fonts.missing_text())
    if bot.config.dev_moment is not None:
        click.echo(f"注意：决策时钟固定在 {bot.config.dev_moment:%Y-%m-%d %H:%M}（BOT_DEV_TODAY，仅限开发，生产环境拒绝启动）。")
    for year in workdays.missing_years(bot.clock.today()):
        click.echo(holidays_text(year))
    click.echo("配置有效。")
