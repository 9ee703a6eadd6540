"""Paging a console list: the page asked for (``?page=``), its rows and the count, one COUNT and
one SELECT whatever the list (or a list already read, cut in memory)."""
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


def _asked(total, size):
    """The page number asked for (``?page=``), within the pages there are."""
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    return min(number, max(1, -(-total // size)))


def page_of(session, query, size):
    """``query`` (a select) cut to the requested page of ``size`` rows."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = _asked(total, size)
    rows = session.execute(query.limit(size).offset((number - 1) * size)).all()
    return Page(rows, number, size, total)


def page_of_list(items, size):
    """A list already in memory cut to the requested page."""
    number = _asked(len(items), size)
    return Page(items[(number - 1) * size:number * size], number, size, len(items))
