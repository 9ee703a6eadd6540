"""Documents facade: re-exports the 附件1 DOCX/JSON renderers and the 附件2 draft from their modules.

* ``render_application_docx`` (handlers/application/docx_render.py) prints the application form in the
  official layout of 附件1.
* ``application_json`` (handlers/application/json_export.py) gives the same answers keyed by the
  official labels.
* ``render_materials_docx`` (handlers/application/attachment2.py) drafts the 附件2 outline from the
  application values and, when given, the studio's ledgers.

Shared pieces live in handlers/application/docx_layout.py (python-docx helpers) and
handlers/application/document_values.py (values as printed).
"""
from __future__ import annotations

from handlers.application.attachment2 import render_materials_docx
from handlers.application.docx_render import render_application_docx
from handlers.application.json_export import application_json

__all__ = ["application_json", "render_application_docx", "render_materials_docx"]
