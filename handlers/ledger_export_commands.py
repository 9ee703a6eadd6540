"""The ledger export commands: 导出台账 in chat and ``python -m bot export ledgers``."""
import click
from sqlalchemy import select

from handlers import document_tasks
from handlers.ledger_access import studio_for_reading
from handlers.ledger_queries import parse_query
from storage.models import Studio


def export(turn, args):
    _, year, name = parse_query(args)
    studio = studio_for_reading(turn, name, f"导出台账 {year or ''}".strip())
    if studio is None:
        return
    document_tasks.send_ledgers(turn, studio, year)


@click.command("ledgers")
@click.option("--studio", "studio_name", required=True, help="studio name, e.g. 王海隧道掘进劳模创新工作室")
@click.option("--year", type=int, default=None, help="one calendar year (default: all)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
def ledgers_command(studio_name, year, out):
    """Export a studio's ledgers as XLSX."""
    from bot.cli import make_bot
    from handlers.ledger_export import render_ledgers_xlsx
    bot = make_bot()
    with bot.db.session() as session:
        studio = session.scalar(select(Studio).where(Studio.name == studio_name))
        if studio is None:
            raise click.ClickException(f"没有找到工作室「{studio_name}」。")
        data = render_ledgers_xlsx(session, studio, year)
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"已导出 {studio_name} 的台账到 {out}")
