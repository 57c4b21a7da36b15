"""Service-desk domain errors (the API maps every DomainError to its status code)."""

from core.exceptions import DomainError


class Conflict(DomainError):
    """The request conflicts with the object's state (409)."""

    status_code = 409
    code = "conflict"


class SurveyAlreadyAnswered(Conflict):
    code = "already_answered"

    def __init__(self):
        super().__init__("This survey was already answered; thank you.")


class BuiltinCalendarLocked(Conflict):
    code = "builtin"

    def __init__(self):
        super().__init__("The built-in 24x7 calendar cannot be changed or deleted.")


class InUse(Conflict):
    code = "in_use"


class OutageStarted(Conflict):
    """Only an outage that has not started can be cancelled (409 with the moves left)."""

    code = "outage_started"

    def __init__(self, *, started: str, state: str, allowed: list[str]):
        super().__init__(
            f"This outage started at {started}; only one that has not started can be cancelled.",
            extra={"allowed": allowed, "state": state},
        )
        self.allowed = allowed
