"""`python -m bot holidays list|load FILE`: the State Council's holiday schedules the assistant knows."""
import shutil
import sys
from pathlib import Path

import click

from bot import workdays
from storage.clock import Clock


@click.group()
def holidays():
    """Holiday schedules (国务院办公厅节假日安排) by year."""


@holidays.command("list")
def list_years():
    """Which years are known, and from where."""
    today = Clock().today()
    for year in range(today.year - 1, today.year + 2):
        schedule = workdays.schedule_for(year)
        if schedule is not None:
            click.echo(f"{year} 年：{schedule[2] or schedule[3].name}（{len(schedule[0])} 个假日，{len(schedule[1])} 个调休上班日）")
        elif workdays.library_knows(year):
            click.echo(f"{year} 年：chinesecalendar 内置")
        else:
            click.echo(f"{year} 年：未知，暂按周一至周五并避开元旦、劳动节、国庆估算")


@holidays.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where schedules are kept (default instance/holidays)")
def load(path, folder):
    """Check a schedule file and keep it as YYYY.json (replacing that year's earlier file)."""
    try:
        year, days_off, make_up, _ = workdays.parse_schedule(path.read_text(encoding="utf-8"), path.name)
    except workdays.ScheduleError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    folder = folder or workdays.DIRS[-1]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / f"{year}.json")
    workdays.reload()
    click.echo(f"已载入 {year} 年节假日安排：{len(days_off)} 个假日，{len(make_up)} 个调休上班日（{folder / f'{year}.json'}）。"
               "重启 worker 后生效。")
