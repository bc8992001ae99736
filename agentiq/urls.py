from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

handler404 = "agentiq.errors.json_404"
handler500 = "agentiq.errors.json_500"

urlpatterns = [
    path("", include("leads.page_urls")),
    path("admin/", admin.site.urls),
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
