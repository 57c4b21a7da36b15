"""Domain errors; the API maps them to 4xx answers, the pages to messages."""


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, detail: str, *, fields: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        self.extra = extra or {}


class InvalidTransition(DomainError):
    """The action is not allowed from the object's current state (409)."""

    status_code = 409
    code = "invalid_transition"

    def __init__(self, *, action: str, state: str, allowed: list[str]):
        super().__init__(
            f"'{action}' is not allowed from '{state}'.",
            extra={"allowed": allowed, "state": state},
        )
        self.allowed = allowed


class GuardFailed(DomainError):
    """The transition is allowed but required information is missing (400)."""

    code = "guard_failed"


class GateNotMet(DomainError):
    """A gate's criteria are unmet; each one is listed in words (409)."""

    status_code = 409
    code = "gate_not_met"

    def __init__(self, detail: str, *, unmet: list[str], allowed: list[str] | None = None):
        super().__init__(detail, extra={"unmet": unmet, "allowed": allowed or []})
        self.unmet = unmet


class StaleVersion(DomainError):
    """The update was based on an old version of the object (412)."""

    status_code = 412
    code = "stale_version"

    def __init__(self, *, current_version: int):
        super().__init__(
            "The object was changed by someone else; reload and try again.",
            extra={"current_version": current_version},
        )


class VersionRequired(DomainError):
    """The update names no version at all: no `version`, no If-Match (428). A `version` that
    is no whole number is a 400 naming it instead (core.api.concurrency)."""

    status_code = 428
    code = "version_required"

    def __init__(self):
        super().__init__("Send the object's current `version` or an If-Match header.")


class NotAllowed(DomainError):
    status_code = 403
    code = "permission_denied"
