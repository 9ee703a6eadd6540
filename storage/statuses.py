"""The statuses rows go through, as ``StrEnum``s (each equal to the string stored in its column)."""
from enum import StrEnum


class AppStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    NAMED = "named"
    WITHDRAWN = "withdrawn"


class StepStatus(StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


class StudioStatus(StrEnum):
    ACTIVE = "active"
    NAMED = "named"
    REVOKED = "revoked"


class Delivery(StrEnum):
    """An outbox row's status."""
    PENDING = "pending"
    SENDING = "sending"         # claimed by a worker's round
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"         # a time-bound notice that came back after its moment


class TaskStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Hold(StrEnum):
    """A funding expense held for the unit union (``data["hold"]`` of its ledger entry)."""
    PENDING = "pending"
    CONFIRMED = "confirmed"


# application statuses in which the leader may still change the form
EDITABLE = frozenset({AppStatus.DRAFT, AppStatus.RETURNED, AppStatus.WITHDRAWN})
# statuses of an application that is with the reviewers or done with them
IN_REVIEW = frozenset({AppStatus.SUBMITTED, AppStatus.RETURNED, AppStatus.APPROVED})
