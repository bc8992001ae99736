"""A seller confirms or rejects a suggested link between two interactions of the shop."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions import selectors, services
from interactions.api.serializers import UserBriefOutput
from interactions.models import LinkDecision
from sellers.access import IsSellerMember, seller_for_request


class InteractionLinkApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="LinkDecisionInput")
    class Input(serializers.Serializer):
        decision = serializers.ChoiceField(choices=LinkDecision.choices)

    @extend_schema_serializer(component_name="LinkDecisionResult")
    class Output(serializers.Serializer):
        interaction_id = serializers.IntegerField()
        other_id = serializers.IntegerField()
        decision = serializers.ChoiceField(choices=LinkDecision.choices)
        score = serializers.FloatField(allow_null=True)
        reasons = serializers.ListField(child=serializers.CharField())
        decided_by = UserBriefOutput(allow_null=True)
        decided_at = serializers.DateTimeField()

    @extend_schema(operation_id="interaction_link_decide", request=Input, responses=Output)
    def post(self, request: Request, interaction_id: int, other_id: int) -> Response:
        interaction, other, suggestion = selectors.link_pair(
            seller=seller_for_request(request), interaction_id=interaction_id, other_id=other_id
        )
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.link_decide(
            interaction=interaction,
            other=other,
            suggestion=suggestion,
            decision=serializer.validated_data["decision"],
            actor=request.user,
        )
        return Response(
            self.Output(
                {
                    "interaction_id": interaction.pk,
                    "other_id": other.pk,
                    "decision": link.decision,
                    "score": link.score,
                    "reasons": link.reasons,
                    "decided_by": link.decided_by,
                    "decided_at": link.decided_at,
                }
            ).data
        )
