"""The only writers of the inbox tables. Integrations come in through `upsert_records`, and through
`product_names_fill` for product names learned after an item arrived."""

from interactions.services.analysis import (
    AnalysisResult,
    DraftResult,
    analyses_apply,
    analysis_apply,
    drafts_apply,
    set_intent,
)
from interactions.services.customers import customer_update
from interactions.services.cycles import clock_repick, clock_restart, cycle_build
from interactions.services.events import event_build, event_record
from interactions.services.lifecycle import (
    BULK_ACTIONS,
    assign,
    bulk_apply,
    close,
    mark_read,
    reopen,
    set_draft,
    set_priority,
    set_status,
)
from interactions.services.links import link_decide
from interactions.services.products import product_names_fill
from interactions.services.replies import (
    REPLY_LENGTH_LIMITS,
    queue_reply,
    reply_claim,
    reply_mark_failed,
    reply_mark_sent,
    reply_validate,
)
from interactions.services.sla import (
    facts_of,
    sla_clock,
    sla_rule_for,
    sla_rule_reason,
    sla_rules_for_seller,
    sla_state_at,
)
from interactions.services.templates import reply_template_save
from interactions.services.upsert import customer_key, default_priority, normalize_text, upsert_records
from interactions.services.working_time import WorkingTime, working_time_for

__all__ = [
    "BULK_ACTIONS",
    "REPLY_LENGTH_LIMITS",
    "AnalysisResult",
    "DraftResult",
    "WorkingTime",
    "analyses_apply",
    "analysis_apply",
    "assign",
    "bulk_apply",
    "clock_repick",
    "clock_restart",
    "close",
    "customer_key",
    "customer_update",
    "cycle_build",
    "default_priority",
    "drafts_apply",
    "event_build",
    "event_record",
    "facts_of",
    "link_decide",
    "mark_read",
    "normalize_text",
    "product_names_fill",
    "queue_reply",
    "reopen",
    "reply_claim",
    "reply_mark_failed",
    "reply_mark_sent",
    "reply_template_save",
    "reply_validate",
    "set_draft",
    "set_intent",
    "set_priority",
    "set_status",
    "sla_clock",
    "sla_rule_for",
    "sla_rule_reason",
    "sla_rules_for_seller",
    "sla_state_at",
    "upsert_records",
    "working_time_for",
]
