"""Which RPM build a host takes, from OCP's host data (release, else kernel string)."""

import pytest

from ocpdash.ocp.platform import host_platform, rpm_family


@pytest.mark.parametrize(
    ("release", "kernel", "family", "certain"),
    [
        # OCP's host-details doc sample
        ("alios7", "4.9.168-018.ali3000.alios7.x86_64", "el7", True),
        ("centos7", "3.10.0-1160.el7.x86_64", "el7", True),
        ("rhel7", "", "el7", True),
        ("rhel8", "4.18.0-372.9.1.el8.x86_64", "el8", True),
        ("anolis8", "", "el8", True),
        ("rocky9", "", "el9", True),
        # obd's compatibility table (oceanbase/obdeploy _mirror.py)
        ("kylinV10", "4.19.90-24.4.v2101.ky10.aarch64", "el7", False),
        ("kylin v10", "", "el7", False),
        ("uos20", "", "el8", False),
        ("openEuler22.03", "", "el7", False),
        ("anolis23", "", "el7", False),
        ("alinux3", "", "el8", False),
        ("ubuntu20.04", "", "el7", False),
        # no release: the kernel string says it
        ("", "4.9.168-018.ali3000.alios7.x86_64", "el7", True),
        (None, "3.10.0-1160.el7.x86_64", "el7", True),
        ("", "4.19.90-24.4.v2101.ky10.aarch64", "el7", False),
        ("", "5.10.0-60.18.0.50.oe2203.x86_64", "el7", False),
    ],
)
def test_host_platform_maps_releases_and_kernels_to_the_rpm_family(release, kernel, family, certain):
    platform = host_platform(release, kernel)
    assert platform.family == family
    assert platform.certain is certain


@pytest.mark.parametrize(
    ("release", "kernel"), [("", ""), ("solaris11", ""), ("", "6.1.0-26-amd64"), (None, None)]
)
def test_an_os_ocpdash_cannot_map_is_unknown_not_a_guess(release, kernel):
    platform = host_platform(release, kernel)
    assert platform.family is None
    assert not platform.known


@pytest.mark.parametrize(
    ("dist", "family"), [("el7", "el7"), ("alios7", "el7"), ("an8", "el8"), ("el8", "el8"), ("ky10", None)]
)
def test_rpm_family_of_a_dist_tag(dist, family):
    assert rpm_family(dist) == family
