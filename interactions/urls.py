from django.urls import path

from interactions.api import calendar, customers, inbox, links, replies, sla_rules, stats, templates

urlpatterns = [
    path("interactions", inbox.InteractionListApi.as_view(), name="interaction-list"),
    path("interactions/bulk", inbox.InteractionBulkApi.as_view(), name="interaction-bulk"),
    path("interactions/<int:interaction_id>", inbox.InteractionDetailApi.as_view(), name="interaction-detail"),
    path("interactions/<int:interaction_id>/reply", inbox.InteractionReplyApi.as_view(), name="interaction-reply"),
    path("interactions/<int:interaction_id>/read", inbox.InteractionReadApi.as_view(), name="interaction-read"),
    path(
        "interactions/<int:interaction_id>/links/<int:other_id>",
        links.InteractionLinkApi.as_view(),
        name="interaction-link",
    ),
    path("replies/check", replies.ReplyCheckApi.as_view(), name="reply-check"),
    path("customers", customers.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<int:customer_id>", customers.CustomerDetailApi.as_view(), name="customer-detail"),
    path("products/<int:nm_id>", customers.ProductDetailApi.as_view(), name="product-detail"),
    path("stats", stats.StatsApi.as_view(), name="stats"),
    path("reply-templates", templates.ReplyTemplateListApi.as_view(), name="reply-template-list"),
    path("reply-templates/<int:template_id>", templates.ReplyTemplateDetailApi.as_view(), name="reply-template-detail"),
    path("sla-rules", sla_rules.SLARuleListApi.as_view(), name="sla-rule-list"),
    path("sla-rules/<int:rule_id>", sla_rules.SLARuleDetailApi.as_view(), name="sla-rule-detail"),
    path("calendar", calendar.CalendarApi.as_view(), name="calendar"),
    path("calendar/preview", calendar.CalendarPreviewApi.as_view(), name="calendar-preview"),
    path("calendar/days", calendar.CalendarDayListApi.as_view(), name="calendar-day-list"),
    path("calendar/days/<int:day_id>", calendar.CalendarDayDetailApi.as_view(), name="calendar-day-detail"),
]
