from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from agentiq.admin_base import RussianModelAdmin, RussianTitlesMixin

from .models import Seller, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(RussianTitlesMixin, BaseUserAdmin):
    accusative = "пользователя"
    delete_selected_label = "Удалить выбранных пользователей"
    count_forms = ("пользователь", "пользователя", "пользователей")
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "seller", "role", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name", "seller__name")
    list_select_related = ("seller",)
    autocomplete_fields = ("seller",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Профиль", {"fields": ("full_name", "seller", "role")}),
        ("Права", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Даты", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "seller", "role", "password1", "password2"),
            },
        ),
    )


class MemberInline(admin.TabularInline):
    model = User
    verbose_name = "участник магазина"
    verbose_name_plural = "участники магазина"
    fields = ("email", "full_name", "role", "is_active", "last_login")
    readonly_fields = ("email", "last_login")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Members are created through the user form, which sets a password.
        return False


@admin.register(Seller)
class SellerAdmin(RussianModelAdmin):
    accusative = "продавца"
    delete_selected_label = "Удалить выбранных продавцов"
    count_forms = ("продавец", "продавца", "продавцов")
    list_display = ("name", "timezone", "is_active", "created_at")
    list_filter = ("is_active", "timezone")
    search_fields = ("name", "users__email")
    date_hierarchy = "created_at"
    inlines = [MemberInline]
