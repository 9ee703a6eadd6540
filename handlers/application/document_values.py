"""Answer values as the documents print them: bare values, 万元 amounts, dates, override-marked pieces.

Dates are printed ``20180420`` (or 2018年4月20日 in running text), months ``198603``, money
as bare 万元 numbers; ``_Answers`` completes the values and marks the leader's overrides.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Callable

from bot.forms import asides
from handlers.application.docx_layout import MARK

# --- values as printed ---------------------------------------------------------------------

def _bare(value) -> str:
    """A normalised value as printed on the form: no units, missing → empty."""
    return "" if value is None else str(value)


def _money(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)


def _sources_text(sources) -> str:
    """单位A 3万元；单位B 2万元 (the amount only where one was given)."""
    parts = []
    for source in sources or []:
        amount = _money(source.get("amount"))
        parts.append(f"{source.get('unit', '')} {amount}万元" if amount else source.get("unit", ""))
    return "；".join(parts)


def _cn_date(value) -> str:
    """20250603 → 2025年6月3日 (empty when missing)."""
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", _bare(value))
    return f"{m[1]}年{int(m[2])}月{int(m[3])}日" if m else _bare(value)


def _years(year: int) -> tuple[int, int]:
    """The last two calendar years before the application year."""
    return year - 2, year - 1


class _Answers:
    """The completed values, with the leader's overrides, as printable pieces.

    An optional field stored as 「没有」 / 「无」 (before the walker took those as a skip) prints empty,
    and so do the fields that depend on it: never 「被没有命名」."""

    def __init__(self, form, values: dict, overrides=frozenset()):
        self.values = form.complete_values(values or {})
        for item in form.asked:
            value = self.values.get(item.key)
            if getattr(item, "optional", False) and isinstance(value, str) and asides.is_none(value):
                for key in [item.key] + [d.key for d in form.dependents(item.key)]:
                    self.values.pop(key, None)
        self.overrides = set(overrides or ())

    def get(self, key, default=None):
        value = self.values.get(key)
        return default if value is None else value

    def pieces(self, key, fmt: Callable = _bare, suffix: str = "") -> list:
        """The value (with a unit suffix when present), then the marker if overridden."""
        text = fmt(self.values.get(key))
        if not text:
            return [""]
        return [text + suffix] + ([MARK] if key in self.overrides else [])


def _honours_text(honours) -> str:
    """2019年 全国五一劳动奖章；2021年 …"""
    return "；".join(f"{h.get('year', '')}年 {h.get('title', '')}" for h in honours or [])
