"""Production settings pass check --deploy; login throttling, CSRF and security headers."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from django.test import Client
from rest_framework.authtoken.models import Token

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OCPDASH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ocpdash.settings",
        DJANGO_SECRET_KEY="k3y-" + "x7Q!pZ2#vR9@mL4$wT8%nB6^" * 3,
        DJANGO_ALLOWED_HOSTS="ocpdash.example.com",
        OCPDASH_HTTPS="1",
        OCPDASH_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        OCPDASH_VAR_DIR=str(tmp_path),
        OCPDASH_MANIFEST_STATIC="0",
    )
    return env


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sixth_bad_login_is_refused_until_the_cool_off_ends(make_user, settings):
    from axes.models import AccessAttempt

    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    user = make_user("lockme")
    client = Client()
    bad = {"username": "lockme", "password": "wrong"}
    statuses = [client.post("/login/", bad).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429], "the 5th failure (the limit) locks the account out"
    refused = client.post("/login/", {"username": "lockme", "password": "pw-lockme"})
    assert refused.status_code == 429, "the right password is refused while locked out"
    assert not refused.wsgi_request.user.is_authenticated
    last = AccessAttempt.objects.get().attempt_time
    AccessAttempt.objects.update(attempt_time=last - timedelta(seconds=5))  # the cool-off has passed
    allowed = client.post("/login/", {"username": "lockme", "password": "pw-lockme"})
    assert allowed.status_code == 302 and allowed.wsgi_request.user == user


def test_session_write_without_csrf_token_is_403_but_token_auth_needs_none(operator, make_upgrade_row):
    upgrade = make_upgrade_row()
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    url = f"/api/upgrades/{upgrade.pk}/comments/"
    response = client.post(url, {"body": "x"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["message"]
    token = Token.objects.create(user=operator)
    tokened = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert tokened.post(url, {"body": "x"}, content_type="application/json").status_code == 201


def test_pages_carry_security_headers_and_csp(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/api/docs/operations/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script" not in response.content.decode()


def test_swagger_ui_is_served_locally_with_no_inline_script_or_style(admin_user):
    client = Client()
    client.force_login(admin_user)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in page and "/static/drf_spectacular_sidecar/" in page
    assert page.count("<script") == page.count("<script src=") >= 3
    assert "<style" not in page and "cdn" not in page.lower()
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_api_docs_page_lists_every_operation_and_needs_login(admin_user):
    assert Client().get("/api/docs/operations/").status_code == 302
    client = Client()
    client.force_login(admin_user)
    page = client.get("/api/docs/operations/").content.decode()
    for path in ("/api/upgrades/{id}/steps/{subtask_id}/skip/", "/api/upgrades/precheck/", "/api/sites/"):
        assert path in page
