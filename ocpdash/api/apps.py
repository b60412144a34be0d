from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ocpdash.api"
    label = "api"
    verbose_name = "REST API and command line"
