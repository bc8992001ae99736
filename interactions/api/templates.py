"""A shop's canned answers (placeholders: {buyer_name}, {product_name})."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions import services
from interactions.models import Kind, ReplyTemplate
from sellers.access import IsSellerMember, get_for_seller, seller_for_request


class ReplyTemplateOutput(serializers.ModelSerializer):
    class Meta:
        model = ReplyTemplate
        fields = ["id", "name", "text", "kind", "created_at", "updated_at"]


class ReplyTemplateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=5000)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_blank=True, default="")


class ReplyTemplateListApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema(responses=ReplyTemplateOutput(many=True))
    def get(self, request: Request) -> Response:
        rows = ReplyTemplate.objects.filter(seller=seller_for_request(request)).order_by("name", "id")
        return Response(ReplyTemplateOutput(rows, many=True).data)

    @extend_schema(request=ReplyTemplateInput, responses={201: ReplyTemplateOutput})
    def post(self, request: Request) -> Response:
        serializer = ReplyTemplateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.reply_template_save(seller=seller_for_request(request), **serializer.validated_data)
        return Response(ReplyTemplateOutput(template).data, status=status.HTTP_201_CREATED)


class ReplyTemplateDetailApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="ReplyTemplatePatch")
    class PatchInput(ReplyTemplateInput):
        name = serializers.CharField(max_length=200, required=False)
        text = serializers.CharField(max_length=5000, required=False)
        kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_blank=True)

    def _get(self, request: Request, template_id: int) -> ReplyTemplate:
        return get_for_seller(ReplyTemplate.objects.all(), seller=seller_for_request(request), pk=template_id)

    @extend_schema(responses=ReplyTemplateOutput)
    def get(self, request: Request, template_id: int) -> Response:
        return Response(ReplyTemplateOutput(self._get(request, template_id)).data)

    @extend_schema(request=PatchInput, responses=ReplyTemplateOutput)
    def patch(self, request: Request, template_id: int) -> Response:
        template = self._get(request, template_id)
        serializer = self.PatchInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        template = services.reply_template_save(seller=template.seller, template=template, **serializer.validated_data)
        return Response(ReplyTemplateOutput(template).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, template_id: int) -> Response:
        self._get(request, template_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
