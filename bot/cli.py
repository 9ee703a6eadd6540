"""The command line (`python -m bot ...`): database, demo data, terminal chat, worker."""
import sys

import click

from bot import clock, workdays
from bot.config import Config
from bot.errors import ConfigError
from bot.holidays_cli import holidays


def make_bot():
    from bot.core import Bot, configure_logging
    try:
        config = Config.from_env()
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    configure_logging(config.log_level)
    return Bot(config)


@click.group()
def cli():
    """创新工作室助手 command line."""
    try:
        from dotenv import load_dotenv
        load_dotenv()
    except ImportError:
        pass


@cli.group()
def db():
    """Database migrations."""


@db.command("upgrade")
def db_upgrade():
    """Apply every migration (safe to run again)."""
    bot = make_bot()
    bot.migrate()
    click.echo(f"数据库已是最新版本：{bot.db.engine.url.render_as_string(hide_password=True)}")


@cli.command()
def demo():
    """Load the demo unit, studio and people (loading twice changes nothing)."""
    from bot import demo as demo_data
    bot = make_bot()
    bot.migrate()
    with bot.db.transaction() as session:
        n = demo_data.load(session)
    click.echo(f"演示数据已就绪：{n} 个试用身份（leader、member、union、tech、party、group、admin）。")


@cli.command()
@click.option("--user", required=True, help="try-out identity, e.g. leader")
def chat(user):
    """Chat in the terminal as a try-out identity: one message per line on stdin; 退出 ends it.

    The log goes to instance/chat.log, not between the lines of the chat; what the worker would
    do (documents, deliveries) is done after each line, so files arrive here too."""
    from bot.message import Incoming
    from bot.delivery import Delivery
    from bot.tasks import TaskRunner
    import logging
    import uuid
    bot = make_bot()
    _log_to_file(bot.config)
    bot.migrate()
    web = bot.channels["web"]
    interactive = sys.stdin.isatty()

    def show(messages, prefix="→ "):
        for m in messages:
            text = m["text"] if isinstance(m, dict) else m.text
            buttons = m["buttons"] if isinstance(m, dict) else [{"label": b.label, "action": b.action} for b in m.buttons]
            click.echo(prefix + text.replace("\n", "\n  "))
            file = m.get("file") if isinstance(m, dict) else m.file
            if file:            # a local terminal: where the file is on this machine
                click.echo(f"  文件：{file.get('name')}  {file.get('path') or file.get('url')}")
            if buttons:
                click.echo("  " + " ".join(f"[{b['label']}]" for b in buttons))

    while True:
        if interactive:
            click.echo("← ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.strip() in ("退出", "exit", "quit"):
            click.echo("已退出。")
            break
        replies = bot.handle(Incoming(channel="web", user=user, text=line,
                                      message_id=f"cli:{uuid.uuid4().hex}"))
        show(replies or [])
        TaskRunner(bot).run_all()
        Delivery(bot).drain()
        show(web.take_inbox(user), prefix="（推送）")
    logging.shutdown()


def _log_to_file(config):
    """The chat's log lines go to instance/chat.log (next to the files directory)."""
    import logging
    from pathlib import Path
    path = Path(config.files_dir).parent / "chat.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)


@cli.command()
def worker():
    """Run the worker: scheduler + outbound delivery (the Procfile's `worker:`)."""
    from bot.worker import Worker
    bot = make_bot()
    bot.migrate()
    Worker(bot).run()


@cli.command("dingtalk-stream")
@click.option("--watchdog", default=120, show_default=True, help="reconnect after this many silent seconds")
def dingtalk_stream(watchdog):
    """Receive DingTalk robot messages over Stream mode (no public callback URL needed)."""
    import signal
    import threading
    bot = make_bot()
    if not bot.config.dingtalk_enabled:
        click.echo("请先设置 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET。", err=True)
        sys.exit(2)
    bot.migrate()
    from bot.channels import dingtalk_stream as stream
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (stop.set(), stream.stop()))
    signal.signal(signal.SIGINT, lambda *_: (stop.set(), stream.stop()))
    stream.run_stream(bot, watchdog_seconds=watchdog, stop_event=stop)


@cli.command("check-config")
def check_config():
    """Validate the configuration and exit (non-zero with the reasons when invalid)."""
    bot = make_bot()
    from handlers import package
    if package.soffice_path(bot.config) is None:
        click.echo(f"警告：没有找到 LibreOffice（{bot.config.soffice}），「导出材料包」不能生成 PDF。"
                   "请安装 LibreOffice，或用 BOT_SOFFICE 指明 soffice 的位置。")
    from handlers.notice_rules import holidays_text
    for year in workdays.missing_years(clock.today()):
        click.echo(holidays_text(year))
    click.echo("配置有效。")


@cli.group()
def export():
    """Export documents (application DOCX/JSON, 附件2 materials, ledgers XLSX)."""


cli.add_command(holidays)


def _add_handler_commands():
    """Handler modules contribute commands: ``CLI_COMMANDS`` (top level) and ``EXPORT_COMMANDS``."""
    import importlib
    for name in ("application_cli", "ledgers", "review", "admin", "notices", "channels_cli"):
        try:
            module = importlib.import_module(f"handlers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"handlers.{name}":
                raise
            continue
        for command in getattr(module, "CLI_COMMANDS", ()):
            cli.add_command(command)
        for command in getattr(module, "EXPORT_COMMANDS", ()):
            export.add_command(command)


_add_handler_commands()
