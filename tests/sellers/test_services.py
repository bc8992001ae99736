"""Service rules that the API cannot easily reach."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sellers import services
from sellers.models import Seller, User

pytestmark = pytest.mark.django_db


def test_a_lost_race_on_one_email_is_a_field_error_not_a_500(owner):
    # The pre-check passed for both sign-ups; the unique index stops the second one.
    with pytest.raises(ValidationError) as exc:
        services._create_member(
            email=owner.email, password="x-long-enough-pass", full_name="", seller=owner.seller, role="agent"
        )
    assert "email" in exc.value.message_dict
    assert User.objects.filter(email=owner.email).count() == 1


def test_register_rolls_back_the_shop_when_the_owner_cannot_be_created(owner):
    before = Seller.objects.count()
    with pytest.raises(ValidationError):
        services.user_register(email=owner.email, password="очень-длинный-пароль-1", shop_name="Дубль")
    assert Seller.objects.count() == before
