"""`python -m bot chat --user leader`: the try-out chat in a terminal, one message per line."""
import logging
import sys
import uuid
from pathlib import Path

import click

from bot.cli.common import make_bot
from bot.delivery import Delivery
from bot.message import Incoming
from bot.tasks import TaskRunner


@click.command()
@click.option("--user", required=True, help="try-out identity, e.g. leader")
def chat(user):
    """Chat in the terminal as a try-out identity: one message per line on stdin; 退出 ends it.

    The log goes to instance/chat.log, not between the lines of the chat; what the worker would
    do (documents, deliveries) is done after each line, so files arrive here too."""
    bot = make_bot()
    _log_to_file(bot.config)
    bot.migrate()
    web = bot.channels["web"]
    interactive = sys.stdin.isatty()
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
        _show(replies or [])
        TaskRunner(bot).run_all()
        Delivery(bot).drain()
        _show(web.take_inbox(user), prefix="（推送）")
    logging.shutdown()


def _show(messages, prefix="→ "):
    for m in messages:
        text = m["text"] if isinstance(m, dict) else m.text
        buttons = m["buttons"] if isinstance(m, dict) else [{"label": b.label, "action": b.action} for b in m.buttons]
        click.echo(prefix + text.replace("\n", "\n  "))
        file = m.get("file") if isinstance(m, dict) else m.file
        if file:            # a local terminal: where the file is on this machine
            click.echo(f"  文件：{file.get('name')}  {file.get('path') or file.get('url')}")
        if buttons:
            click.echo("  " + " ".join(f"[{b['label']}]" for b in buttons))


def _log_to_file(config):
    """The chat's log lines go to instance/chat.log (next to the files directory)."""
    path = Path(config.files_dir).parent / "chat.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
