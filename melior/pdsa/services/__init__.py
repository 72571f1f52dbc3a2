"""Changing PDSA cycles, one module per seam: the status flow (flow), learning questions
(questions), files (files), comments (comments), notifications (notifications) and sharing with
other schools (sharing). Callers import this package; every service is keyword-only and atomic,
and a refused change saves nothing."""

from .comments import MENTION, add_comment
from .files import ALLOWED_TYPES, add_attachment, max_upload_bytes
from .flow import (
    PLAN_FIELDS,
    act,
    add_observation,
    advance,
    clone_cycle,
    create_cycle,
    default_start,
    next_cycle,
    plan_problems,
    ramp_of,
    record_do,
    save_study,
    set_authors,
    study_problems,
    update_plan,
)
from .notifications import mark_read, notify_overdue, send_digest
from .questions import delete_question, save_question
from .sharing import ask_authors, set_network_sharing, set_sharing

__all__ = [
    "ALLOWED_TYPES",
    "MENTION",
    "PLAN_FIELDS",
    "act",
    "add_attachment",
    "add_comment",
    "add_observation",
    "advance",
    "ask_authors",
    "clone_cycle",
    "create_cycle",
    "default_start",
    "delete_question",
    "mark_read",
    "max_upload_bytes",
    "next_cycle",
    "notify_overdue",
    "plan_problems",
    "ramp_of",
    "record_do",
    "save_question",
    "save_study",
    "send_digest",
    "set_authors",
    "set_network_sharing",
    "set_sharing",
    "study_problems",
    "update_plan",
]
