"""Sites (admins), clusters (everyone reads, operators sync) and the RPM catalog (catalog admins write)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ocpdash.api import serializers as s
from ocpdash.api.permissions import ActionPermission
from ocpdash.api.views.base import ApiViewSet
from ocpdash.catalog.intake import RpmRefused, keep
from ocpdash.catalog.models import PackageUpload, RpmPackage
from ocpdash.catalog.uploading import UploadNotAllowed, request_upload
from ocpdash.sites.guard import resume
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades import enqueue
from ocpdash.upgrades.params import parse_id

ADMIN = ActionPermission.ADMIN_ONLY
CLUSTER_VIEW = ["sites.view_cluster"]
PACKAGE_VIEW = ["catalog.view_rpmpackage"]


class ServiceUnavailable(APIException):
    status_code = 503
    default_code = "service_unavailable"


def _param(name: str, kind=OpenApiTypes.STR, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description)


class SiteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """OCP sites. Admins only; passwords and AccessKey secrets can be set but are never returned."""

    queryset = OcpSite.objects.all()
    serializer_class = s.SiteSerializer
    action_perms = {
        **{a: ADMIN for a in ("list", "retrieve", "create", "update", "partial_update")},
        "resume": ["upgrades.operate_upgrade"],
    }

    @extend_schema(request=None, responses=s.SiteSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """ "Try again" after OCP refused ocpdash's credentials: calls to the site resume."""
        site = self.get_object()
        resume(site)
        site.refresh_from_db()
        return Response(s.SiteSerializer(site).data)


@extend_schema(parameters=[_param("site", OpenApiTypes.INT), _param("q", description="Name contains")])
class ClusterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Cluster.objects.select_related("site", "primary")
    action_perms = {"list": CLUSTER_VIEW, "retrieve": CLUSTER_VIEW, "sync": ["upgrades.submit_upgrade"]}

    def get_serializer_class(self):
        return s.ClusterDetailSerializer if self.action == "retrieve" else s.ClusterSerializer

    def filter_queryset(self, queryset):
        params = self.request.query_params
        if (site := parse_id(params.get("site"))) is not None:
            queryset = queryset.filter(site_id=site)
        if q := params.get("q", "").strip():
            queryset = queryset.filter(name__icontains=q)
        return super().filter_queryset(queryset)

    @extend_schema(request=None, responses={202: s.SyncQueuedSerializer})
    @action(detail=False, methods=["post"], pagination_class=None)
    def sync(self, request):
        """Read every enabled site's clusters from OCP now, in a worker (an API call never waits for
        OCP); each site's ``last_sync_at`` and ``last_sync_error`` show the result."""
        if not enqueue.send(enqueue.SYNC):
            raise ServiceUnavailable("Could not start the sync: ocpdash's queue (Redis) is not reachable.")
        sites = list(OcpSite.objects.filter(enabled=True).values_list("name", flat=True))
        return Response({"queued": sites}, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    parameters=[
        _param("q", description="File name contains"),
        _param("version", description="Version starts with"),
        _param("arch"),
        _param("dist"),
        _param("enabled", OpenApiTypes.BOOL),
    ]
)
class PackageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """The RPM catalog. Everyone reads; catalog admins add RPMs (by name, or the file itself: read,
    checked and stored), change and disable packages, and upload them to OCP sites."""

    queryset = RpmPackage.objects.select_related("added_by").prefetch_related("presences__site")
    serializer_class = s.PackageSerializer
    action_perms = {
        "list": PACKAGE_VIEW,
        "retrieve": PACKAGE_VIEW,
        "create": ["catalog.add_rpmpackage"],
        "update": ["catalog.change_rpmpackage"],
        "partial_update": ["catalog.change_rpmpackage"],
        "disable": ["catalog.change_rpmpackage"],
        "file": ["catalog.add_rpmpackage", "catalog.change_rpmpackage"],
        "upload": ["catalog.change_rpmpackage"],
        "uploads": PACKAGE_VIEW,
    }

    def filter_queryset(self, queryset):
        params = self.request.query_params
        if q := params.get("q", "").strip():
            queryset = queryset.filter(file_name__icontains=q)
        if version := params.get("version", "").strip():
            queryset = queryset.filter(Q(version__startswith=version))
        for exact in ("arch", "dist"):
            if value := params.get(exact, "").strip():
                queryset = queryset.filter(**{exact: value})
        if (enabled := params.get("enabled")) in ("true", "false"):
            queryset = queryset.filter(enabled=enabled == "true")
        return super().filter_queryset(queryset)

    def perform_create(self, serializer):
        serializer.save(added_by=self.request.user)

    @extend_schema(request=None, responses=s.PackageSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        """Disable a package: it stays in the history but can no longer be chosen for upgrades."""
        package = self.get_object()
        RpmPackage.objects.filter(pk=package.pk).update(enabled=False)
        package.refresh_from_db()
        return Response(s.PackageSerializer(package).data, status=status.HTTP_200_OK)

    @extend_schema(
        request={"multipart/form-data": s.PackageFileSerializer}, responses={201: s.PackageSerializer}
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def file(self, request):
        """Add an RPM file (multipart ``file``): its header, digests and upgrade dependency file are
        checked, then it is kept; a name-only package of the same file name gets the file."""
        data = _valid(s.PackageFileSerializer, request)
        upload = data["file"]
        try:
            package, new = keep(upload, upload.name, request.user)
        except RpmRefused as exc:
            raise ValidationError({"file": [exc.message]}) from None
        package = self.get_queryset().get(pk=package.pk)
        return Response(s.PackageSerializer(package).data, status=201 if new else 200)

    @extend_schema(request=s.UploadRequestSerializer, responses={202: s.PackageUploadSerializer})
    @action(detail=True, methods=["post"])
    def upload(self, request, pk=None):
        """Upload the package's RPM to an OCP site (a worker sends it, after looking at OCP's list:
        never twice). 202 with the upload; the one under way if there is one."""
        package = self.get_object()
        site = _valid(s.UploadRequestSerializer, request)["site"]
        try:
            upload, _ = request_upload(request.user, package, site)
        except UploadNotAllowed as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from None
            raise ValidationError({"site": [exc.message]}) from None
        return Response(s.PackageUploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=s.PackageUploadSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def uploads(self, request, pk=None):
        """The package's uploads to OCP, newest first (at most 50), with their history."""
        package = self.get_object()
        rows = PackageUpload.objects.filter(package=package).select_related("package", "site", "requested_by")
        rows = rows.prefetch_related("events__actor")[:50]
        return Response(s.PackageUploadSerializer(rows, many=True).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
