"""Two records the 意见 asks for, in chat: a studio's 省市工会 naming (省市命名) and the unit's rewards to 骨干 (骨干奖励).

Both are ledger entries recorded like any other (a one-line entry shown back to confirm, or the
guided mini-form) and saved by the ledger service: a naming is the achievement ledger's kind 命名
(level, 命名单位, date, document), which fills the form's 命名单位 / 命名日期 (handlers/ledgers/statistics.py);
a reward is the member ledger's kind 奖励 (who, what, when).
"""
from bot.router import START
from handlers.ledgers import entry
from handlers.policy import Do


def _recorder(ledger, kind):
    def command(turn, args):
        if args.strip():
            entry.quick_entry(ledger)(turn, f"{kind} {args.strip()}")
        else:
            entry.guided(ledger)(turn, kind)
    command.__name__ = f"record_{kind}"
    return command


def register(router):
    # listed in 台账帮助 (handlers/ledgers/quick.py GRAMMAR) rather than 帮助, which must fit one WeCom message
    router.add_command("naming_record", _recorder("achievement", "命名"), do=Do.LEDGER_WRITE, kind=START)
    router.add_command("reward", _recorder("member", "奖励"), do=Do.LEDGER_WRITE, kind=START)
