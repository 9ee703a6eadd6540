"""`python -m bot export ...`: the 申报审批表 (DOCX + JSON), the 附件2 draft, the 材料包 and the ledgers (XLSX)."""
import json
from pathlib import Path

import click
from sqlalchemy import select

from bot.cli.common import make_bot
from handlers.application import materials, package
from handlers.application.current import application_year
from handlers.application.render import render
from handlers.ledgers.export import render_ledgers_xlsx
from storage import clock
from storage.models import Application, Studio


@click.group()
def export():
    """Export documents (application DOCX/JSON, 附件2 materials, ledgers XLSX)."""


def _load(session, config, studio_name, year):
    studio = session.scalar(select(Studio).where(Studio.name == studio_name))
    if studio is None:
        raise click.ClickException(f"没有找到工作室「{studio_name}」。")
    year = year or application_year(config, clock.of(session).today())
    app = session.scalar(select(Application).where(Application.studio_id == studio.id, Application.year == year))
    if app is None:
        raise click.ClickException(f"「{studio_name}」没有 {year} 年度的申报表。")
    return studio, app


def _options(fn):
    fn = click.option("--out", required=True, help="output file (FILE or FILE.docx)")(fn)
    fn = click.option("--year", type=int, default=None, help="application year (default: the current one)")(fn)
    return click.option("--studio", "studio_name", required=True, help="studio name")(fn)


@export.command("application")
@_options
def application_command(studio_name, year, out):
    """Write FILE.docx (the official layout) and FILE.json (every field by its official label)."""
    bot = make_bot(migrate=True)
    base = Path(out).with_suffix("") if Path(out).suffix in (".docx", ".json") else Path(out)
    with bot.db.session() as session:
        _, app = _load(session, bot.config, studio_name, year)
        docx, data = render(session, bot.config, app)
    base.with_suffix(".docx").write_bytes(docx)
    base.with_suffix(".json").write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"已导出：{base.with_suffix('.docx')}、{base.with_suffix('.json')}")


@export.command("materials")
@_options
def materials_command(studio_name, year, out):
    """Draft the 附件2 supporting materials from the application and the ledgers."""
    bot = make_bot(migrate=True)
    with bot.db.session() as session:
        _, app = _load(session, bot.config, studio_name, year)
        draft = materials.draft(session, bot.config, app)
    path = Path(out) if Path(out).suffix == ".docx" else Path(out).with_suffix(".docx")
    path.write_bytes(draft.docx())
    click.echo(f"已导出附件2草稿：{path}")
    told = materials.notice(draft.to_supply(), draft.left_out)
    if told:
        click.echo(told)


@export.command("package")
@click.option("--studio", "studio_name", required=True, help="studio name")
@click.option("--year", type=int, default=None, help="application year (default: the current one)")
@click.option("--out", required=True, help="output FILE.pdf (the ZIP 电子版 goes next to it as FILE.zip)")
def package_command(studio_name, year, out):
    """The 材料包: 申报审批表, 附件2, 证明材料清单 and the proofs in one page-numbered PDF, plus the ZIP."""
    bot = make_bot(migrate=True)
    if package.soffice_path(bot.config) is None:
        raise click.ClickException(package.no_soffice_text(bot.config))
    with bot.db.session() as session:
        _, app = _load(session, bot.config, studio_name, year)
        contents = package.collect(session, bot.config, app)
    try:
        pdf, archive, _, _, pages = package.build(contents, bot.config)
    except package.PackageError as refused:
        raise click.ClickException(str(refused)) from None
    path = Path(out) if Path(out).suffix == ".pdf" else Path(out).with_suffix(".pdf")
    path.write_bytes(pdf)
    path.with_suffix(".zip").write_bytes(archive)
    left_out = [p for p in contents.proofs if p.note]
    click.echo(f"已导出材料包：{path}（共 {pages} 页，证明材料 {len(contents.proofs) - len(left_out)} 份）；"
               f"电子版：{path.with_suffix('.zip')}")
    for proof in left_out:
        click.echo(f"未放入 PDF：{proof.name}（{proof.note}）")
    told = materials.notice(contents.to_supply, contents.left_out)
    if told:
        click.echo(told)



@export.command("ledgers")
@click.option("--studio", "studio_name", required=True, help="studio name, e.g. 王海隧道掘进劳模创新工作室")
@click.option("--year", type=int, default=None, help="one calendar year (default: all)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
def ledgers_command(studio_name, year, out):
    """Export a studio's ledgers as XLSX."""
    bot = make_bot(migrate=True)
    with bot.db.session() as session:
        studio = session.scalar(select(Studio).where(Studio.name == studio_name))
        if studio is None:
            raise click.ClickException(f"没有找到工作室「{studio_name}」。")
        data = render_ledgers_xlsx(session, studio, year)
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"已导出 {studio_name} 的台账到 {out}")
