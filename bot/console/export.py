"""What a console list exports: the rows it shows as XLSX (handlers/office/xlsx.py writes every
cell beginning with = + - @ as text), with an audit row naming the export and any personal data in it."""
from urllib.parse import quote

from flask import Response, g

from handlers.office.xlsx import workbook
from storage import audit

PERSONAL = ("电话", "手机", "出生年月", "政治面貌", "身份证")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(filename, title, header, rows, *, caption="", object_type="list", object_id="", **scope):
    """An XLSX download of ``rows`` under ``header``; audited as ``console.export`` (``key`` the
    personal columns it carries, if any)."""
    personal = [name for name in header if any(word in name for word in PERSONAL)]
    bot = g.bot
    with bot.db.transaction() as session:
        audit.record(session, g.viewer, "console.export", at=bot.clock.utcnow(), object_type=object_type,
                     object_id=object_id, key=",".join(personal), detail=f"{filename}（{len(rows)}行）", **scope)
    body = workbook([(title, header, rows, caption)])
    return download(body, filename, XLSX)


def download(body, filename, mimetype):
    """A file download whose Chinese name survives every browser (RFC 5987)."""
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=download; filename*=UTF-8''{quote(filename)}"})
