"""The console's menu: each entry's path, its label and the operation (handlers/policy.py ``Do``)
that shows it; a viewer sees the entries the policy allows."""
from handlers.policy import Do, allowed

ENTRIES = (
    ("/console/", "总览", Do.READ_APPLICATION),
    ("/console/applications", "申报审批", Do.READ_APPLICATION),
    ("/console/ledgers", "台账", Do.LEDGER_READ),
    ("/console/assessment", "考核验收", Do.ASSESS_READ),
    ("/console/publicity", "公示与命名", Do.PUBLICITY),
    ("/console/certificates", "证书与牌匾", Do.CERTIFICATES),
    ("/console/spotchecks", "抽查与整改", Do.SPOTCHECK_READ),
    ("/console/achievements", "成果库", Do.ACHIEVEMENTS),
    ("/console/statistics", "统计", Do.STATISTICS),
    ("/console/sheets", "上报表", Do.SHEETS),
    ("/console/manage", "管理", Do.PEOPLE),
    ("/console/audit", "审计", Do.AUDIT_READ),
)


def entries(actor):
    """[(path, label)] the actor may open."""
    return [(path, label) for path, label, do in ENTRIES if allowed(actor, do)]
