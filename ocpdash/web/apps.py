from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ocpdash.web"
    label = "web"
    verbose_name = "Web UI"
