from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction


class RuntimeSetting(models.Model):
    """A setting staff may change while the service runs. Known keys, types and defaults live in
    `agentiq.runtime`; a key with no row reads its default."""

    key = models.CharField("ключ", max_length=64, unique=True)
    value = models.JSONField("значение")
    description = models.TextField("описание", blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кем изменено",
    )

    class Meta:
        verbose_name = "настройка"
        verbose_name_plural = "настройки"

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._invalidate()
        return result

    def clean(self) -> None:
        from agentiq.runtime import runtime_clean

        try:
            self.value = runtime_clean(key=self.key, value=self.value)
        except ValidationError as exc:
            field = "key" if exc.code == "unknown_key" else "value"
            raise ValidationError({field: exc.messages}) from exc

    def _invalidate(self) -> None:
        from agentiq.runtime import runtime_invalidate

        # Drop now and again after commit, so a reader inside the window cannot re-cache the old value.
        runtime_invalidate(self.key)
        transaction.on_commit(lambda: runtime_invalidate(self.key))
