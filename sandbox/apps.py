from django.apps import AppConfig


class SandboxConfig(AppConfig):
    # No models: an app only so `manage.py sandbox_marketplace` is found. The product never imports it.
    name = "sandbox"
    verbose_name = "Песочница маркетплейсов"
