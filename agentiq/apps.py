from django.apps import AppConfig


class AgentiqConfig(AppConfig):
    name = "agentiq"
    verbose_name = "AgentIQ"
