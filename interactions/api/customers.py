"""Customers (buyers) of my shop, and the product cards buyers talk about."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions import selectors, services
from interactions.api.serializers import CustomerOutput, InteractionBriefOutput, ProductCardOutput
from interactions.models import Marketplace
from sellers.access import IsSellerMember, seller_for_request


class CustomerListApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="CustomerFilter")
    class FilterInput(serializers.Serializer):
        q = serializers.CharField(required=False, max_length=200)
        marketplace = serializers.ChoiceField(choices=Marketplace.choices, required=False)
        tag = serializers.CharField(required=False, max_length=50)
        cursor = serializers.CharField(required=False, max_length=2000)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)

    @extend_schema_serializer(component_name="CustomerPage")
    class Output(serializers.Serializer):
        results = CustomerOutput(many=True)
        next_cursor = serializers.CharField(allow_null=True)

    @extend_schema(operation_id="customers_list", parameters=[FilterInput], responses=Output)
    def get(self, request: Request) -> Response:
        serializer = self.FilterInput(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        rows, next_cursor = selectors.customer_list(seller=seller_for_request(request), **serializer.validated_data)
        return Response(self.Output({"results": rows, "next_cursor": next_cursor}).data)


class CustomerDetailApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="CustomerPatch")
    class PatchInput(serializers.Serializer):
        notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=50, trim_whitespace=True), required=False, max_length=30
        )

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError({"non_field_errors": ["Нечего изменять."]})
            return attrs

    @extend_schema_serializer(component_name="CustomerDetail")
    class Output(CustomerOutput):
        interactions = InteractionBriefOutput(many=True, source="recent_interactions")

    @extend_schema(responses=Output)
    def get(self, request: Request, customer_id: int) -> Response:
        customer = selectors.customer_get(seller=seller_for_request(request), customer_id=customer_id)
        return Response(self.Output(customer).data)

    @extend_schema(request=PatchInput, responses=Output)
    def patch(self, request: Request, customer_id: int) -> Response:
        seller = seller_for_request(request)
        customer = selectors.customer_get(seller=seller, customer_id=customer_id)
        serializer = self.PatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_update(customer=customer, **serializer.validated_data)
        return Response(self.Output(selectors.customer_get(seller=seller, customer_id=customer_id)).data)


class ProductDetailApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="Product")
    class Output(serializers.Serializer):
        nm_id = serializers.IntegerField()
        marketplace = serializers.CharField()
        name = serializers.CharField()
        interactions_count = serializers.IntegerField()
        card = ProductCardOutput(allow_null=True)

    @extend_schema(responses=Output)
    def get(self, request: Request, nm_id: int) -> Response:
        product = selectors.product_get(seller=seller_for_request(request), nm_id=nm_id)
        return Response(self.Output(product).data)
