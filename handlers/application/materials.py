"""An application's 附件2 draft as the package, the CLI and 提交 read it: its inputs taken from the
session (answers, the two years' ledgers, the 制度 / 设备 / 场所 records) and what it still lacks."""
from handlers.application import seven_record
from handlers.application.attachment2 import Draft, draft as draft_of
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
