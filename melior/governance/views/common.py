"""What every student data page needs to draw its section menu."""

from ..permissions import row_site_ids


def nav_flags(user, network, *, is_steward: bool | None = None) -> dict:
    """Which links of the section menu the user gets (each page checks access on its own)."""
    return {
        "sees_rows": bool(row_site_ids(user, network)),
        "is_steward": user.has_perm("governance.steward", network)
        if is_steward is None
        else is_steward,
        "reads_audit": user.has_perm("governance.read_audit", network),
    }
