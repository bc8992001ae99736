"""The product's URLs plus the floors the inbox bench measures ours against (bench only).

The floor is what a bare DRF list costs on this stack: a generic list view over the same table, no
authentication, no throttles, a plain serializer of a few fields, model instances as DRF builds them.
Two more say where a request's time goes before any inbox work: `empty`, a plain Django view (gunicorn,
the HTTP round trip and the middleware), and `auth`, a DRF view with the API's own authentication (JWT,
the user and shop query), permission (shop member) and throttle, answering `{}`.
Served by the same gunicorn, through the same middleware, in the same run as the inbox requests.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agentiq.urls import handler404, handler500  # noqa: F401
from agentiq.urls import urlpatterns as product_urlpatterns
from interactions.models import Interaction
from interactions.selectors.inbox import ORDERINGS
from sellers.access import IsSellerMember

FLOOR_PAGE = 50


class FloorRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    product_name = serializers.CharField()
    created_at = serializers.DateTimeField()


class FloorListApi(generics.ListAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    serializer_class = FloorRowOutput
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        seller_id = int(self.request.query_params["seller"])
        # The inbox's own order, so both walk the same index and the SQL costs the same.
        order = [key.order_by() for key in ORDERINGS["default"]]
        return Interaction.objects.filter(seller_id=seller_id).order_by(*order)[:FLOOR_PAGE]


def empty(request):
    return HttpResponse(b"{}", content_type="application/json")


class AuthOnlyApi(APIView):
    permission_classes = [IsSellerMember]

    def get(self, request):
        return Response({})


urlpatterns = [
    path("bench/floor", FloorListApi.as_view()),
    path("bench/empty", empty),
    path("bench/auth", AuthOnlyApi.as_view()),
    *product_urlpatterns,
]
