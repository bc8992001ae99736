from django.urls import path

from autoreplies import api

urlpatterns = [
    path("auto-reply-rules", api.RuleListApi.as_view(), name="auto-reply-rule-list"),
    path("auto-reply-rules/<int:rule_id>", api.RuleDetailApi.as_view(), name="auto-reply-rule-detail"),
    path("auto-reply-settings", api.SettingsApi.as_view(), name="auto-reply-settings"),
    path("approvals", api.ApprovalListApi.as_view(), name="approval-list"),
    path("approvals/approve", api.ApprovalApproveApi.as_view(), name="approval-approve"),
    path("approvals/reject", api.ApprovalRejectApi.as_view(), name="approval-reject"),
]
