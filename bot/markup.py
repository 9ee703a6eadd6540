"""Escaping plain text for the messengers' markdown, and file names for headers and uploads.

Handlers write plain text; a channel that renders it as markdown (DingTalk links and buttons,
WeCom markdown) passes it through ``escape_markdown`` first (WeCom's text messages and card
texts, which render ``<a href>``, through ``escape_text``), so a studio name such as
``[点此](dtmd://…)`` is shown as typed and never becomes a live link next to the real buttons.

The markdown dialects of DingTalk and WeCom do not document backslash escapes, so the characters
that open links, images, HTML tags, mentions (``<@id>``) and quotes are replaced by their
full-width twins (brackets become 【】, as button labels always did): they read the same to a
person and mean nothing to the renderer.
"""
import re
import unicodedata
from pathlib import PurePosixPath

_MARKDOWN = str.maketrans({"[": "【", "]": "】", "<": "＜", ">": "＞", "(": "（", ")": "）",
                           "`": "｀", "|": "｜"})
_LINE_START = re.compile(r"^(\s*)([#*+\-]|\d+\.)(?=\s|#|$)", re.MULTILINE)
_EMPHASIS = re.compile(r"([*~])")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')
MAX_NAME_CHARS = 120


def escape_markdown(text):
    """``text`` as markdown that renders as exactly these words: no link, tag, mention or heading."""
    text = str(text or "").translate(_MARKDOWN)
    text = _EMPHASIS.sub(lambda m: {"*": "＊", "~": "～"}[m.group(1)], text)
    # a line starting with "#", "-", "+" or "1." would become a heading or a list item
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2).replace("#", "＃").replace("-", "－")
                           .replace("+", "＋").replace(".", "．"), text)


def escape_text(text):
    """Plain text for WeCom app messages, whose text type renders ``<a href>`` links: no tags."""
    return str(text or "").replace("<", "＜").replace(">", "＞")


def safe_filename(name, default="文件"):
    """A file name safe in a Content-Disposition header and a multipart upload.

    Drops directories, control characters (CR/LF would split a header), quotes and characters
    Windows refuses; keeps the suffix when the name has to be shortened.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PurePosixPath(name.replace("\\", "/")).name
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if not name or set(name) <= {"_"}:
        return default
    if len(name) > MAX_NAME_CHARS:
        suffix = PurePosixPath(name).suffix[:16]
        name = name[:MAX_NAME_CHARS - len(suffix)] + suffix
    return name
