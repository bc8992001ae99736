from django.urls import path

from leads import api

urlpatterns = [
    path("leads", api.LeadCreateApi.as_view(), name="leads"),
]
