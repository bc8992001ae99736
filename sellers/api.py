"""Auth (JWT), the current user and the shop's team. Parse → call a service → serialize."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from agentiq.throttling import ScopedThrottle
from sellers import selectors, services
from sellers.access import IsSellerMember, IsSellerOwner, seller_for_request
from sellers.models import Seller, User


class AuthThrottleMixin:
    """Login, refresh and sign-up share the stricter `auth` rate (per IP for anonymous callers)."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"


class SellerOutput(serializers.ModelSerializer):
    class Meta:
        model = Seller
        fields = [
            "id",
            "name",
            "timezone",
            "is_active",
            "created_at",
            "reply_tone",
            "reply_signature",
            "reply_address_form",
        ]


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "is_active", "is_staff", "date_joined", "last_login"]


class EmailTokenObtainSerializer(TokenObtainPairSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        attrs[self.username_field] = attrs[self.username_field].strip().lower()
        return super().validate(attrs)


class TokenObtainApi(AuthThrottleMixin, TokenObtainPairView):
    """Email + password → access and refresh tokens."""

    serializer_class = EmailTokenObtainSerializer


class TokenRefreshApi(AuthThrottleMixin, TokenRefreshView):
    """Refresh token → a new access token."""


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class MeOutput(serializers.Serializer):
        user = UserOutput()
        seller = SellerOutput(allow_null=True)
        role = serializers.CharField(allow_blank=True)

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {"user": user, "seller": user.seller, "role": user.role}
        return Response(self.MeOutput(data).data)


class RegisterApi(AuthThrottleMixin, APIView):
    """Sign-up: creates a shop and its owner, answers with the owner's tokens."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class RegisterInput(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True, style={"input_type": "password"})
        shop_name = serializers.CharField(max_length=200)
        full_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    class RegisterOutput(serializers.Serializer):
        user = UserOutput()
        seller = SellerOutput()
        access = serializers.CharField()
        refresh = serializers.CharField()

    @extend_schema(request=RegisterInput, responses={201: RegisterOutput})
    def post(self, request: Request) -> Response:
        serializer = self.RegisterInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        refresh = EmailTokenObtainSerializer.get_token(user)
        data = {"user": user, "seller": user.seller, "access": str(refresh.access_token), "refresh": str(refresh)}
        return Response(self.RegisterOutput(data).data, status=status.HTTP_201_CREATED)


class TeamApi(APIView):
    """GET: members of my shop (any member). POST: invite a member (owner only)."""

    class InviteInput(serializers.Serializer):
        email = serializers.EmailField()
        full_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
        role = serializers.ChoiceField(choices=User.Role.choices, default=User.Role.AGENT)
        password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class InviteOutput(serializers.Serializer):
        # The same fields whoever holds the address: it must not tell one shop who uses another.
        email = serializers.EmailField()
        full_name = serializers.CharField()
        role = serializers.CharField()
        generated_password = serializers.CharField(allow_null=True)
        detail = serializers.CharField()

    def get_permissions(self) -> list:
        return [IsSellerOwner()] if self.request.method == "POST" else [IsSellerMember()]

    @extend_schema(responses=UserOutput(many=True))
    def get(self, request: Request) -> Response:
        members = selectors.user_list(seller=seller_for_request(request))
        return Response(UserOutput(members, many=True).data)

    @extend_schema(request=InviteInput, responses={201: InviteOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InviteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.user_invite(seller=seller_for_request(request), **serializer.validated_data)
        # The generated password is shown once, here; it is stored only as a hash.
        data = {
            "email": invitation.email,
            "full_name": invitation.full_name,
            "role": invitation.role,
            "generated_password": invitation.generated_password,
            "detail": f"Приглашение отправлено на {invitation.email}.",
        }
        return Response(self.InviteOutput(data).data, status=status.HTTP_201_CREATED)


class ShopApi(APIView):
    """GET: my shop and its settings (any member). PATCH: change them (owner only): name, timezone and how
    the AI writes reply drafts (tone, signature, form of address)."""

    class ShopUpdateInput(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        timezone = serializers.CharField(max_length=64, required=False)
        reply_tone = serializers.CharField(max_length=200, required=False, allow_blank=True)
        reply_signature = serializers.CharField(max_length=200, required=False, allow_blank=True)
        reply_address_form = serializers.ChoiceField(choices=Seller.AddressForm.choices, required=False)

    def get_permissions(self) -> list:
        return [IsSellerOwner()] if self.request.method == "PATCH" else [IsSellerMember()]

    @extend_schema(responses=SellerOutput)
    def get(self, request: Request) -> Response:
        return Response(SellerOutput(seller_for_request(request)).data)

    @extend_schema(request=ShopUpdateInput, responses=SellerOutput)
    def patch(self, request: Request) -> Response:
        serializer = self.ShopUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        seller = services.seller_update(seller=seller_for_request(request), **serializer.validated_data)
        return Response(SellerOutput(seller).data)


class TeamMemberApi(APIView):
    """PATCH a member of my shop: role and/or is_active (owner only)."""

    permission_classes = [IsSellerOwner]

    class MemberUpdateInput(serializers.Serializer):
        role = serializers.ChoiceField(choices=User.Role.choices, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=MemberUpdateInput, responses=UserOutput)
    def patch(self, request: Request, user_id: int) -> Response:
        member = selectors.team_member_get(seller=seller_for_request(request), user_id=user_id)
        serializer = self.MemberUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if data.get("is_active") is False:
                services.user_deactivate(actor=request.user, member=member)
            if "role" in data:
                services.user_set_role(actor=request.user, member=member, role=data["role"])
            if data.get("is_active") is True:
                services.user_activate(actor=request.user, member=member)
        return Response(UserOutput(member).data)
