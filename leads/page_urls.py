"""The public pages, mounted at the site's root by agentiq/urls.py."""

from django.urls import path

from leads import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("lead", views.lead_form_post, name="landing-lead"),
    path("thanks", views.thanks, name="landing-thanks"),
    path("privacy", views.privacy, name="landing-privacy"),
]
