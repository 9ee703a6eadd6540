"""Studio ledgers (台账) in chat: the commands and the flows, registered here.

Recording: a one-line quick entry (活动/成果/成员/经费 …, grammar in handlers/ledgers/quick.py)
shown back with [确认保存] [修改] [取消], or a guided mini-form (记活动/记成果/记成员/记经费) run by
the form walker (handlers/ledgers/entry.py). Correcting and deleting: handlers/ledgers/edit.py;
queries: handlers/ledgers/queries.py; the unit union's held expenses: handlers/ledgers/held.py.
Changes go through the ledger service (handlers/services/ledgers.py); who may do what is the
policy's (handlers/policy.py).
"""
from bot.router import LINE, START
from handlers.ledgers import edit, entry, held, quick, schema
from handlers.ledgers.access import studio_for_reading
from handlers.ledgers.queries import balance, grammar, parse_query, query, this_year
from handlers.policy import Do
from handlers.services import documents


def export(turn, args):
    """导出台账 [年份] [工作室]: the XLSX is rendered by the worker and sent when ready."""
    _, year, name = parse_query(args)
    studio = studio_for_reading(turn, name, f"导出台账 {year or ''}".strip())
    if studio is None:
        return
    documents.ledgers(turn.ctx, studio, year, recipients=[{"channel": turn.incoming.channel,
                                                           "user": turn.incoming.user}],
                      dedupe_key=f"xlsx:{turn.key}")
    turn.reply("正在生成台账，稍后发送给您。")


def register(router):
    entry.register(router)
    edit.register(router)
    held.register(router)
    for ledger in schema.TITLES:
        router.add_command(ledger, entry.quick_entry(ledger), do=Do.LEDGER_WRITE, kind=LINE,
                           help=f"快速记{schema.NOUN[ledger]}，如：{quick.EXAMPLES[ledger]}",
                           reads=entry.reads_as_entry(ledger))
    for ledger in schema.TITLES:
        router.add_command(f"record_{ledger}", entry.guided(ledger), do=Do.LEDGER_WRITE, kind=START,
                           help=f"逐项填写一条{schema.NOUN[ledger]}台账")
    router.add_command("ledgers", query, do=Do.LEDGER_READ, help="查看台账，如：台账 成果 2024")
    router.add_command("this_year", this_year, do=Do.LEDGER_READ, help="今年的创新成果和立项情况")
    router.add_command("balance", balance, do=Do.LEDGER_READ, help="查看经费余额")
    router.add_command("ledger_export", export, do=Do.LEDGER_READ, help="导出台账（Excel 文件），如：导出台账 2024")
    router.add_command("ledger_help", grammar, do=Do.LEDGER_READ, help="台账快速记录的写法")
    router.add_command("ledger_waiting", entry.waiting, do=Do.LEDGER_WRITE, kind=START,
                       help="继续确认还没保存的台账")
