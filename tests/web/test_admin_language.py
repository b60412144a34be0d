"""Our admin pages read in Chinese for a zh-Hans reader: the texts of our ModelAdmin classes (columns,
read-only fields, help texts, actions, messages, form errors) go through the catalogue, not only the
model and field names. Data (names, versions, file names) stays as it is."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from ocpdash.changes.models import ApprovalPolicy, Blackout, MaintenanceWindow
from ocpdash.core.catalogues import compile_catalogues


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Chinese leaves Chinese active in this thread: later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def zh_admin(client, admin_user):
    compile_catalogues()
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html, url
    return html


def admin_urls(model, obj) -> tuple[str, str, str]:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return reverse(f"{name}_changelist"), reverse(f"{name}_add"), reverse(f"{name}_change", args=[obj.pk])


@pytest.mark.django_db
def test_our_admin_pages_read_in_chinese(zh_admin, cluster, package, make_upgrade):
    policy = ApprovalPolicy.objects.create(label="nowhere", approvals_required=1)
    window = MaintenanceWindow.objects.create(
        cluster=cluster, weekday=5, start_time=time(1), end_time=time(5)
    )
    now = timezone.now()
    freeze = Blackout.objects.create(reason="双十一", starts_at=now, ends_at=now + timedelta(days=1))
    rpm = package  # known by its file name only
    upgrade = make_upgrade(steps=2)

    changelist, add, change = admin_urls(ApprovalPolicy, policy)
    page(zh_admin, changelist)
    assert "保存后的审批策略会列出其覆盖的集群。" in page(zh_admin, add)
    html = page(zh_admin, change)
    assert "当前覆盖的集群" in html and "暂无集群。" in html
    assert "Clusters it covers now" not in html and "No cluster yet." not in html

    changelist, add, change = admin_urls(MaintenanceWindow, window)
    assert "下一个开放时段" in page(zh_admin, changelist)
    assert "保存后即可预览接下来的开放时段。" in page(zh_admin, add)
    html = page(zh_admin, change)
    assert "接下来的 5 个开放时段（已合并该范围内的其他窗口）" in html and "Next 5 openings" not in html

    changelist, add, change = admin_urls(Blackout, freeze)
    assert "适用范围" in page(zh_admin, changelist)
    page(zh_admin, add)
    page(zh_admin, change)

    changelist, add, change = admin_urls(type(rpm), rpm)
    html = page(zh_admin, changelist)
    assert "启用所选软件包" in html and "仅有名称" in html and "Enable selected packages" not in html
    html = page(zh_admin, add)
    assert "RPM 文件" in html and "上传 RPM 文件时从文件中获取。" in html
    html = page(zh_admin, change)
    assert "没有文件：该软件包仅有名称。" in html and "无：预检查使用内置的上游文件。" in html
    assert "No file: the package is known by name only." not in html

    answer = zh_admin.post(changelist, {"action": "disable", "_selected_action": [rpm.pk]}, follow=True)
    assert "已禁用 1 个软件包。" in answer.content.decode()
    refused = zh_admin.post(add, {"file_name": "", "notes": "", "size": "", "sha1": "", "sha256": ""})
    assert refused.status_code == 200 and "请填写 RPM 的文件名，或上传 RPM 文件。" in refused.content.decode()

    changelist, _, change = admin_urls(type(upgrade), upgrade)
    page(zh_admin, changelist)
    assert upgrade.to_version in page(zh_admin, change)


@pytest.mark.django_db
def test_our_admin_pages_still_read_in_english(client, admin_user, cluster):
    client.force_login(admin_user)
    policy = ApprovalPolicy.objects.create(label="nowhere", approvals_required=1)
    html = client.get(reverse("admin:changes_approvalpolicy_change", args=[policy.pk])).content.decode()
    assert "Clusters it covers now" in html and "No cluster yet." in html
    window = MaintenanceWindow.objects.create(cluster=cluster, weekday=5)
    html = client.get(reverse("admin:changes_maintenancewindow_change", args=[window.pk])).content.decode()
    assert "Next 5 openings (with the scope&#x27;s other windows, merged)" in html
