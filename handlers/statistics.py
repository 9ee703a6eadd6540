"""Facts and statistics drawn from the ledgers for the application and the 七有 check."""


def facts(session, studio_id, year):
    """Ledger facts for the 七有 check; empty until the studio keeps ledgers."""
    return {}


def offer(turn, walker, item):
    """A value for ``item`` computed from the ledgers, with the reason, or None."""
    return None
