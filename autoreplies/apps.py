from django.apps import AppConfig


class AutorepliesConfig(AppConfig):
    name = "autoreplies"
    verbose_name = "Автоответы"
