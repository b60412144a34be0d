"""``{% catalog_upload_buttons step cluster %}``: on a pre-check's "missing in OCP" line, a catalog
admin's buttons to upload the catalog's RPMs of that step to the cluster's OCP site."""

from __future__ import annotations

from django import template

from ocpdash.catalog.models import RpmPackage
from ocpdash.catalog.uploading import may_upload
from ocpdash.ocp.platform import rpm_family
from ocpdash.ocp.versions import ObVersion

register = template.Library()


def fitting_packages(step, *, with_file: bool = True) -> list[RpmPackage]:
    """Catalog RPMs of the step's version for the platforms (``arch/family``) OCP lacks."""
    try:
        target = ObVersion.parse(step.version)
    except ValueError:
        return []
    wanted = set(step.missing)
    found = []
    packages = RpmPackage.objects.exclude(stored_file="") if with_file else RpmPackage.objects.all()
    for package in packages:
        platform = f"{package.arch}/{rpm_family(package.dist) or package.dist}"
        version = package.ob_version
        same = version.release == target.release and target.build in (None, version.build)
        if same and (not wanted or platform in wanted):
            found.append(package)
    return found


@register.inclusion_tag("catalog/_upload_buttons.html", takes_context=True)
def catalog_upload_buttons(context, step, cluster) -> dict:
    user = context["request"].user
    allowed = may_upload(user)
    return {
        "packages": fitting_packages(step) if allowed else [],
        "site": cluster.site,
        "cluster": cluster,
        "may_add": allowed and user.has_perm("catalog.add_rpmpackage"),
        "csrf_token": context.get("csrf_token"),
    }
