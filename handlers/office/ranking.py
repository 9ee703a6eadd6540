"""The 考核验收 results: each application's average over its experts' submitted sheets, the spread
between experts, the ranking with its ties, and the office's tie-breaks.

Pure arithmetic on what the services read: averages are compared exactly (fractions) and shown
to two decimals; equal averages are one rank (并列) until the office breaks the tie, in an order
with a reason, which applies while the tied group is the same set of applications.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass
class Standing:
    app_id: int
    totals: list = field(default_factory=list)     # Decimal per submitted sheet
    assigned: int = 0                              # sheets assigned (submitted or not)
    rank: int | None = None
    tied_with: list = field(default_factory=list)  # the other app ids of an unbroken tie
    broken: str = ""                               # the reason of the tie-break that ordered it

    @property
    def exact(self):
        return Fraction(sum(Fraction(str(t)) for t in self.totals), len(self.totals)) if self.totals else None

    @property
    def average(self):
        """The average to two decimals (None without a submitted sheet)."""
        if not self.totals:
            return None
        value = Decimal(self.exact.numerator) / Decimal(self.exact.denominator)
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def spread(self):
        """The spread between experts: highest total minus lowest (0 with one sheet)."""
        return (max(self.totals) - min(self.totals)) if self.totals else None

    @property
    def complete(self):
        return self.assigned > 0 and len(self.totals) == self.assigned


def sheet_total(scores):
    return sum((Decimal(str(v)) for v in (scores or {}).values() if v not in (None, "")), Decimal(0))


def rank(standings, ties=()):
    """Order ``standings`` (best first) and set ``rank``, ``tied_with`` and ``broken``.

    ``ties`` are the office's tie-breaks: [{"apps": [ids in order], "reason": …}]."""
    scored = sorted((s for s in standings if s.totals), key=lambda s: (-s.exact, s.app_id))
    unscored = sorted((s for s in standings if not s.totals), key=lambda s: s.app_id)
    ordered, position = [], 1
    groups = []
    for s in scored:
        if groups and groups[-1][0].exact == s.exact:
            groups[-1].append(s)
        else:
            groups.append([s])
    for group in groups:
        ids = {s.app_id for s in group}
        decided = next((t for t in ties if set(t["apps"]) == ids), None) if len(group) > 1 else None
        if decided is not None:
            order = {app_id: n for n, app_id in enumerate(decided["apps"])}
            for n, s in enumerate(sorted(group, key=lambda s: order[s.app_id])):
                s.rank, s.tied_with, s.broken = position + n, [], decided.get("reason", "")
        else:
            for s in group:
                s.rank = position
                s.tied_with = sorted(ids - {s.app_id})
                s.broken = ""
        ordered += sorted(group, key=lambda s: s.rank)
        position += len(group)
    for s in unscored:
        s.rank, s.tied_with, s.broken = None, [], ""
    return ordered + unscored


def unbroken_ties(ordered):
    """The groups of app ids still tied (each sorted), in ranking order."""
    seen, groups = set(), []
    for s in ordered:
        if s.tied_with and s.app_id not in seen:
            group = sorted([s.app_id, *s.tied_with])
            seen.update(group)
            groups.append(group)
    return groups
