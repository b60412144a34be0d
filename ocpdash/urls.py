from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

# The admin's titles in the reader's language (Django's default says "Django administration").
admin.site.site_header = _("ocpdash administration")
admin.site.site_title = _("ocpdash admin")
admin.site.index_title = _("Catalog, sites, policies and records")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's language switch (POST, CSRF-protected, sets the language cookie); open before login
    # too, so the login page can be read in Chinese.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("ocpdash.api.urls")),
    path("", include("ocpdash.ops.urls")),  # /healthz, /readyz, /metrics, /system/
    path("", include("ocpdash.web.urls")),
]
