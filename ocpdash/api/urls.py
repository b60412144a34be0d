"""/api/: the REST API, its OpenAPI schema and a docs page.

DRF authenticates API requests itself (session or token), so the views are exempt from
LoginRequiredMiddleware: a token client gets a JSON 401/403, never a redirect to the login page.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from ocpdash.api.docs import api_docs, api_root
from ocpdash.api.views.estate import ClusterViewSet, PackageViewSet, SiteViewSet
from ocpdash.api.views.rollouts import RolloutViewSet
from ocpdash.api.views.upgrades import UpgradeViewSet

router = SimpleRouter(trailing_slash=True)
router.register("sites", SiteViewSet, basename="site")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("packages", PackageViewSet, basename="package")
router.register("upgrades", UpgradeViewSet, basename="upgrade")
router.register("rollouts", RolloutViewSet, basename="rollout")

app_name = "api"


def _drf_authenticates(patterns):
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns


urlpatterns = [
    *_drf_authenticates(
        [
            path("", api_root, name="root"),
            path("schema/", SpectacularAPIView.as_view(), name="schema"),
            *router.urls,
        ]
    ),
    # Interactive Swagger UI; its init script is a separate request (?script), so no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("docs/operations/", api_docs, name="docs-operations"),
]
