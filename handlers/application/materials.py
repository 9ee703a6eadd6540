"""An application's 附件2 draft as the package, the CLI and 提交 read it: its inputs taken from the
session (answers, the two years' ledgers, the 制度 / 设备 / 场所 records) and what it still lacks."""
from handlers.application import seven_record
from handlers.application.attachment2 import TO_FILL, Draft, draft as draft_of
from handlers.application.schema import application_form
from handlers.ledgers.export import ledgers_for_materials
from storage import applications


def draft(session, config, app) -> Draft:
    """The 附件2 draft of ``app`` (``.docx()`` the document, ``.to_supply()``, ``.left_out``)."""
    form = application_form(app.year)
    values = form.complete_values(applications.load_answers(session, app.id))
    ledgers = ledgers_for_materials(session, app.studio_id, [app.year - 2, app.year - 1])
    return draft_of(form, values, year=app.year, org_name=config.org_name, ledgers=ledgers,
                    record=seven_record.facts(session, app))


def to_supply(session, config, app) -> list[str]:
    """The 附件2 headings still 「（待补充）」, each with the missing part and how to supply it."""
    return draft(session, config, app).to_supply()


def notice(to_supply_lines, left_out) -> str:
    """The lines telling the leader what 附件2 still lacks and what it did not take ("" when nothing)."""
    lines = []
    if to_supply_lines:
        lines.append(f"附件2 还有 {len(to_supply_lines)} 处待补充：\n" + "\n".join(f"· {line}" for line in to_supply_lines))
    lines += left_out
    return "\n".join(lines)


_TABLE_NOTE = "骨干成员基本信息见下表。"


def narrative_draft(session, config, app) -> str:
    """A draft of 业绩简介 (生成草稿) from the 附件2 draft: its headings and the paragraphs recorded data
    filled, one per line, without placeholders and tables ("" when nothing is recorded yet)."""
    made = draft(session, config, app)
    lines, pending = [], None
    for section in made.sections:
        texts = [b.replace(_TABLE_NOTE, "").strip() for b in section.blocks
                 if isinstance(b, str) and not b.endswith(TO_FILL)]
        texts = [t for t in texts if t]
        if section.level == 1:
            pending = section.heading
        if not texts:
            continue
        if pending is not None:
            lines.append(pending)
            pending = None
        if section.level == 2:
            lines.append(section.heading)
        lines += texts
    return "\n".join(lines) if any(not line.startswith(("一、", "二、", "三、", "（")) for line in lines) else ""
