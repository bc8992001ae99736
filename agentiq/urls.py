from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from agentiq.spa import app_shell

handler404 = "agentiq.errors.json_404"
handler500 = "agentiq.errors.json_500"

urlpatterns = [
    path("", include("leads.page_urls")),
    path("admin/", admin.site.urls),
    # The seller app (React, client-side routing): one shell for every path under /app/.
    # React Router writes the inbox as /app?kind=… (no slash): a reload keeps the filters.
    path("app", RedirectView.as_view(url="/app/", permanent=True, query_string=True)),
    re_path(r"^app/(?P<path>.*)$", app_shell, name="app"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/", include("agentiq.api_urls")),
    path("api/", include("sellers.urls")),
    path("api/", include("interactions.urls")),
    path("api/", include("integrations.urls")),
    path("api/", include("notifications.urls")),
    path("api/", include("ai.urls")),
    path("api/", include("autoreplies.urls")),
    path("api/", include("leads.urls")),
]
