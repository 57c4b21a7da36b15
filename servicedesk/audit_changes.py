"""Audit `changes` maps shared by the servicedesk actions modules."""

from core.audit import snapshot


def created_changes(instance, fields) -> dict:
    """The changes of a new row: each of `fields` from None to its saved value."""
    return {k: [None, v] for k, v in snapshot(instance, fields).items()}
