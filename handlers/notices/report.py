"""Notice runs: the RunReport of one run and deciding (and writing) one notice type into it."""
from dataclasses import dataclass, field
from datetime import datetime

from handlers.notices.rules import DECIDERS, TYPES, chase


@dataclass
class RunReport:
    at: datetime
    dry_run: bool = False
    skipped: str = ""
    decided: dict = field(default_factory=dict)     # type -> list[(Notice, rows written or "new"/"sent")]
    written: dict = field(default_factory=dict)     # type -> rows written
    paused: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)

    def text(self, detail=False):
        head = f"通知 {self.at:%Y-%m-%d %H:%M}{'（预览，未发送）' if self.dry_run else ''}："
        if self.skipped:
            return f"{head}{self.skipped}，没有通知。"
        lines = [head]
        for kind, items in self.decided.items():
            if not items:
                continue
            if self.dry_run:
                new = sum(1 for n, state in items if state == "new")
                lines.append(f"· {TYPES[kind]}：{len(items)} 条，其中未发送过 {new} 条")
            else:
                lines.append(f"· {TYPES[kind]}：{len(items)} 条，新写入发件箱 {self.written.get(kind, 0)} 条")
            if detail:
                lines += [f"  → {n.to}{'（已发送过）' if state == 'sent' else ''}" for n, state in items[:20]]
                if items:
                    lines.append("  内容示例：" + items[0][0].message.text.replace("\n", "\n  "))
        for kind in self.written:
            if kind not in self.decided and self.written[kind]:
                lines.append(f"· {TYPES[kind]}：新写入 {self.written[kind]} 条")
        if len(lines) == 1:
            lines.append("今天没有到期的通知。")
        if self.paused:
            lines.append("已暂停（未发送）：" + "、".join(TYPES[k] for k in self.paused))
        for kind, error in self.errors.items():
            lines.append(f"出错：{TYPES[kind]} — {error}")
        return "\n".join(lines)


def apply(bot, session, now, kind, report, *, dry_run=False, forced=False):
    """Decide one type for ``now`` and (unless dry_run) write it in ``session``."""
    if kind == "chase":
        if not dry_run:
            report.written[kind] = chase(bot, session, now)
        return
    notices = DECIDERS[kind](bot, session, now, forced)
    if dry_run:
        report.decided[kind] = [(n, "sent" if n.written_before(session) else "new") for n in notices]
    else:
        report.decided[kind] = [(n, n.write(session)) for n in notices]
        report.written[kind] = sum(w for _, w in report.decided[kind])
