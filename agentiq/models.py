from __future__ import annotations

from django.conf import settings
from django.db import models


class RuntimeSetting(models.Model):
    """A setting staff may change while the service runs. Known keys, types and defaults live in
    `agentiq.runtime`; a key with no row reads its default."""

    key = models.CharField(max_length=64, unique=True)
    value = models.JSONField()
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "настройка"
        verbose_name_plural = "настройки"

    def __str__(self) -> str:
        return self.key
