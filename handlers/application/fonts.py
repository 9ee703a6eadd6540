"""The FangSong face the printed documents use: the fontconfig file LibreOffice runs with, and its check.

The DOCX files name 仿宋 (填表说明 8), which Word on Windows has. On a Linux server LibreOffice finds
fonts through fontconfig, which knows no 仿宋: it used to print a sans-serif Japanese-variant face.
``fonts.conf`` beside this module adds FandolFang (a free FangSong face with Simplified glyphs,
Debian package texlive-lang-chinese, installed by `make run` and `make test`), maps 仿宋, FangSong,
仿宋_GB2312 and FangSong_GB2312 to it, and lets only serif faces stand in for a glyph outside it.
The project's LibreOffice runs get ``FONTCONFIG_FILE`` pointing at that file (``environment``), so
the mapping travels with the code and nothing outside the project changes. The DOCX keep naming
仿宋 rather than FandolFang: a leader opening them in Word gets the real 仿宋.
"""
import os
import shutil
import subprocess
from pathlib import Path

CONFIG = Path(__file__).with_name("fonts.conf").resolve()
DEBIAN_PACKAGE = "texlive-lang-chinese"
FANGSONG_NAMES = ("Fang", "仿宋")          # FandolFang, FangSong, 仿宋, 仿宋_GB2312, STFangsong …


def environment(base=None):
    """The environment for a LibreOffice (or fontconfig) run: ``base`` (os.environ) with our fontconfig file."""
    env = dict(os.environ if base is None else base)
    env["FONTCONFIG_FILE"] = str(CONFIG)
    return env


def fangsong_face():
    """(family, file) that 仿宋 resolves to for LibreOffice, or None when it is not a FangSong face
    (or fontconfig's fc-match is missing, so nobody can tell)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run([fc_match, "-f", "%{family}|%{file}", "仿宋:lang=zh-cn"], env=environment(),
                                capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    family, _, path = result.stdout.strip().partition("|")
    if result.returncode != 0 or not any(name in family for name in FANGSONG_NAMES):
        return None
    return family.split(",")[0], path


def missing_text():
    return ("警告：没有找到仿宋字体，材料包 PDF 不能按填表说明 8 使用仿宋。"
            f"请安装 Debian 软件包 {DEBIAN_PACKAGE}（含 FandolFang 仿宋；make run 会自动安装）。")
