from django.urls import path

from ocpdash.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
