"""Paging a console list: the page asked for (``?page=``), its rows and the count, one COUNT and
one SELECT whatever the list."""
from dataclasses import dataclass

from flask import request
from sqlalchemy import func, select


@dataclass
class Page:
    rows: list
    number: int
    size: int
    total: int

    @property
    def pages(self):
        return max(1, -(-self.total // self.size))


def page_of(session, query, size):
    """``query`` (a select) cut to the requested page of ``size`` rows."""
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = min(number, max(1, -(-total // size)))
    rows = session.execute(query.limit(size).offset((number - 1) * size)).all()
    return Page(rows, number, size, total)
