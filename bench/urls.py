"""ocpdash's URLs plus /bench/bare/: a constant string behind the same middleware (session, login)."""

from django.http import HttpResponse
from django.urls import path

from ocpdash.urls import urlpatterns as app_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *app_urlpatterns]
