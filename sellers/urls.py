from django.urls import path

from sellers import api

urlpatterns = [
    path("auth/token", api.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/refresh", api.TokenRefreshApi.as_view(), name="auth-refresh"),
    path("auth/register", api.RegisterApi.as_view(), name="auth-register"),
    path("me", api.MeApi.as_view(), name="me"),
    path("shop", api.ShopApi.as_view(), name="shop"),
    path("team", api.TeamApi.as_view(), name="team"),
    path("team/<int:user_id>", api.TeamMemberApi.as_view(), name="team-member"),
]
