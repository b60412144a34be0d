import pytest

from ocpdash.ocp.rpm import RpmNameError, parse_rpm_filename


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        (
            "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm",
            ("oceanbase", "2.2.75", "20210108170301", "el7", "x86_64"),
        ),
        (
            "oceanbase-2.2.76-20210219154519.el7.x86_64.rpm",
            ("oceanbase", "2.2.76", "20210219154519", "el7", "x86_64"),
        ),
        (
            "oceanbase-ce-3.1.2-10000392021123010.el7.x86_64.rpm",
            ("oceanbase-ce", "3.1.2", "10000392021123010", "el7", "x86_64"),
        ),
        (
            "oceanbase-ce-4.2.1.0-100000102023092807.el8.aarch64.rpm",
            ("oceanbase-ce", "4.2.1.0", "100000102023092807", "el8", "aarch64"),
        ),
        (
            "oceanbase-ce-libs-4.2.1.0-100000102023092807.el7.x86_64.rpm",
            ("oceanbase-ce-libs", "4.2.1.0", "100000102023092807", "el7", "x86_64"),
        ),
        (
            "oceanbase-standalone-4.2.5.0-101000062023110109.el7.x86_64.rpm",
            ("oceanbase-standalone", "4.2.5.0", "101000062023110109", "el7", "x86_64"),
        ),
        (
            "oceanbase-3.2.4.0-101000062023110109.alios7.aarch64.rpm",
            ("oceanbase", "3.2.4.0", "101000062023110109", "alios7", "aarch64"),
        ),
        (
            "oceanbase-4.1.0.0-100000192023032010.el7.x86_64.rpm",
            ("oceanbase", "4.1.0.0", "100000192023032010", "el7", "x86_64"),
        ),
    ],
)
def test_valid_rpm_names_parse_into_their_parts(file_name, expected):
    parsed = parse_rpm_filename(file_name)
    assert (parsed.name, parsed.version, parsed.build, parsed.dist, parsed.arch) == expected
    assert parsed.full_version == f"{expected[1]}-{expected[2]}"


@pytest.mark.parametrize(
    ("file_name", "part"),
    [
        ("", "file name"),
        ("oceanbase-2.2.75-20210108170301.el7.x86_64.rpm ", "file name"),
        ("rpms/oceanbase-2.2.75-20210108170301.el7.x86_64.rpm", "file name"),
        ("oceanbase-2.2.75-20210108170301.el7.x86_64.tar.gz", "extension"),
        ("oceanbase-2.2.75-20210108170301.el7.x86_64.RPM", "extension"),
        ("oceanbase-2.2.75-20210108170301.x86_64.rpm", "dist"),
        ("oceanbase-2.2.75-20210108170301.el7.i386.rpm", "arch"),
        ("oceanbase-2.2.75-20210108170301.ubuntu20.x86_64.rpm", "dist"),
        ("mysql-2.2.75-20210108170301.el7.x86_64.rpm", "name"),
        ("oceanbase-2.2-20210108170301.el7.x86_64.rpm", "version"),
        ("oceanbase-2.2.x-20210108170301.el7.x86_64.rpm", "version"),
        ("oceanbase-2.2.75-2021a108170301.el7.x86_64.rpm", "build"),
        ("oceanbase-2.2.75-123.el7.x86_64.rpm", "build"),
        ("oceanbase2.2.75.el7.x86_64.rpm", "version/build"),
        ("x" * 201 + ".rpm", "file name"),
    ],
)
def test_invalid_rpm_names_say_which_part_is_wrong(file_name, part):
    with pytest.raises(RpmNameError) as info:
        parse_rpm_filename(file_name)
    assert info.value.part == part
    assert info.value.message
