"""The 附件1 answers as JSON keyed by the official labels (``application_json``).

Derived from the schema's blocks: 封面 and 基本情况 fields go to the top level, per-year blocks
are nested by year, and 培养人才 labels are grouped under 技术等级 / 荣誉.
"""
from __future__ import annotations

import re

from bot.forms.schema import Group
from handlers.application.schema import HONOURS, SKILL_GRADES

FLAT_BLOCKS = ("封面", "基本情况")                       # their fields go to the top level
YEAR_BLOCK = re.compile(r"^(?P<name>.+)（(?P<year>\d{4})年）$")   # 经费投入（2023年）
SUBGROUPS = {"培养人才": {"技术等级": SKILL_GRADES, "荣誉": HONOURS}}   # block → sub-heading → labels


def _json_value(item, value):
    if isinstance(item, Group):
        return [{sub.label: _json_value(sub, row.get(sub.key)) for sub in item.fields} for row in value or []]
    if item.kind == "sources":
        return [{"单位": s.get("unit"), "金额": s.get("amount")} for s in value or []]
    return value


def _blocks(form) -> list[tuple[str, list]]:
    """The form's items grouped by block, in form order."""
    blocks: dict[str, list] = {}
    for item in form.items:
        blocks.setdefault(item.block, []).append(item)
    return list(blocks.items())


def _block_entries(block: str, items: list, values: dict) -> dict:
    """{label: value}; a label starting with the block's name loses it (培养人才明细 → 明细)."""
    entries: dict = {}
    for item in items:
        label = item.label[len(block):] if item.label.startswith(block) and item.label != block else item.label
        value = _json_value(item, values.get(item.key))
        heading = next((h for h, labels in SUBGROUPS.get(block, {}).items() if label in labels), None)
        (entries.setdefault(heading, {}) if heading else entries)[label] = value
    return entries


def _put(target: dict, key: str, value) -> None:
    if key in target:
        raise ValueError(f"application_json: label {key!r} appears twice at the same level")
    target[key] = value


def application_json(form, values: dict) -> dict:
    """Every field keyed by its official label; per-year blocks nested by year."""
    values = form.complete_values(values or {})
    result: dict = {}
    for block, items in _blocks(form):
        entries = _block_entries(block, items, values)
        per_year = YEAR_BLOCK.match(block)
        if block in FLAT_BLOCKS:
            for label, value in entries.items():
                _put(result, label, value)
        elif per_year:
            _put(result.setdefault(per_year["name"], {}), per_year["year"], entries)
        elif len(items) == 1:
            _put(result, block, next(iter(entries.values())))
        else:
            _put(result, block, entries)
    return result
