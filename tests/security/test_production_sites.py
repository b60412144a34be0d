"""OCP sites (review L4) and packages (L5): a new URL needs the secret again, only http(s), a CA
bundle per site that the client really trusts (a real TLS server here), and fixed file names."""

import datetime
import http.server
import ipaddress
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client
from rest_framework.test import APIClient

from ocpdash.catalog.admin import RpmPackageAdmin
from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp import OcpUnreachable
from ocpdash.sites.admin import OcpSiteForm
from ocpdash.sites.models import OcpSite, ca_bundle_file

PACKAGE = "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"
RENAMED = "oceanbase-2.2.76-20210108170301.el7.x86_64.rpm"
LOCAL = "127.0.0.1"


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def patch(api, site, **body):
    return api.patch(f"/api/sites/{site.pk}/", body, format="json")


def test_api_refuses_a_new_url_without_the_password(api, site):
    response = patch(api, site, base_url="http://evil.example.com:8080")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["password"])


def test_api_keeps_the_url_when_it_refuses(api, site):
    patch(api, site, base_url="http://evil.example.com:8080")
    assert OcpSite.objects.get(pk=site.pk).base_url == "http://127.0.0.1:1"


def test_api_takes_a_new_url_with_the_password(api, site):
    response = patch(api, site, base_url="http://ocp2.example.com:8080", password="new-pass")
    assert (response.status_code, response.json()["base_url"]) == (200, "http://ocp2.example.com:8080")


def test_api_asks_an_aksk_site_for_its_secret(api, site):
    OcpSite.objects.filter(pk=site.pk).update(auth_mode="aksk", access_key_id="AK", access_key_secret="SK")
    site.refresh_from_db()
    response = patch(api, site, base_url="http://evil.example.com:8080")
    assert list(response.json()["fields"]) == ["access_key_secret"]


def test_api_changes_other_fields_without_the_secret(api, site):
    assert patch(api, site, base_url=site.base_url, enabled=False).status_code == 200


@pytest.mark.parametrize("url", ["ftp://ocp.example.com/", "file:///etc/passwd", "gopher://ocp.example.com"])
def test_api_accepts_only_http_and_https(api, url):
    body = {"name": "x", "base_url": url, "username": "u", "password": "p"}
    assert api.post("/api/sites/", body, format="json").status_code == 400


def admin_form(site, **changes):
    data = {"name": site.name, "base_url": site.base_url, "auth_mode": site.auth_mode, "enabled": "on"}
    data.update(username=site.username, password="", access_key_id="", access_key_secret="", ca_bundle="")
    data.update(changes)
    return OcpSiteForm(data, instance=OcpSite.objects.get(pk=site.pk))


def test_admin_form_refuses_a_new_url_without_the_password(site):
    form = admin_form(site, base_url="http://evil.example.com:8080")
    assert (form.is_valid(), list(form.errors)) == (False, ["password"])


def test_admin_form_takes_a_new_url_with_the_password(site):
    assert admin_form(site, base_url="http://ocp2.example.com:8080", password="new").is_valid()


def test_admin_form_keeps_the_stored_password_when_the_url_stays(site):
    form = admin_form(site, enabled="")
    assert form.is_valid() and form.cleaned_data["password"] == "p"


def test_admin_form_refuses_ftp(site):
    assert "base_url" in admin_form(site, base_url="ftp://ocp.example.com/", password="p").errors


# --- CA bundle --------------------------------------------------------------------------------------


def self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ocp-test-ca")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOCAL))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class TimeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'"2026-11-28T12:00:00.000+08:00"'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_ocp(tmp_path):
    """An https server on 127.0.0.1 with a certificate no system trusts; yields (url, its PEM)."""
    cert, key = self_signed()
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TimeHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert.decode()
    server.shutdown()
    server.server_close()


def test_a_sites_ca_bundle_is_trusted_for_its_https_url(tls_ocp, db, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    url, pem = tls_ocp
    site = OcpSite.objects.create(name="tls", base_url=url, username="u", password="p", ca_bundle=pem)
    with site.client() as client:
        client.ping()  # raises unless the certificate verified


def test_without_the_ca_bundle_the_certificate_is_refused(tls_ocp, db, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    url, _ = tls_ocp
    site = OcpSite.objects.create(name="tls", base_url=url, username="u", password="p")
    with site.client(max_retries=0) as client, pytest.raises(OcpUnreachable):
        client.ping()


def test_the_ca_bundle_file_is_named_by_its_hash(tls_ocp):
    _, pem = tls_ocp
    assert (
        ca_bundle_file(pem) == ca_bundle_file(pem + "\n\n")
        and ca_bundle_file(pem).read_text() == pem.strip() + "\n"
    )


def test_api_refuses_a_ca_bundle_that_is_not_pem(api, site):
    response = patch(api, site, ca_bundle="not a certificate")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["ca_bundle"])


def test_api_takes_a_pem_ca_bundle(api, site, tls_ocp):
    assert patch(api, site, ca_bundle=tls_ocp[1]).status_code == 200


def test_admin_form_refuses_a_ca_bundle_that_is_not_pem(site):
    assert "ca_bundle" in admin_form(site, ca_bundle="-----BEGIN CERTIFICATE-----\nnope").errors


# --- a package's file name ---------------------------------------------------------------------------


def test_api_refuses_to_rename_a_package(api, db):
    package = RpmPackage.objects.create(file_name=PACKAGE)
    body = {"file_name": RENAMED}
    assert api.patch(f"/api/packages/{package.pk}/", body, format="json").status_code == 400


def test_api_still_changes_a_packages_notes(api, db):
    package = RpmPackage.objects.create(file_name=PACKAGE)
    body = {"file_name": PACKAGE, "notes": "checked"}
    assert api.patch(f"/api/packages/{package.pk}/", body, format="json").status_code == 200


def test_admin_shows_the_file_name_read_only_once_created(admin_user, db):
    from django.contrib.admin.sites import site as admin_site

    package = RpmPackage.objects.create(file_name=PACKAGE)
    admin = RpmPackageAdmin(RpmPackage, admin_site)
    fixed = (
        "file_name" in admin.get_readonly_fields(None, package),
        "file_name" in admin.get_readonly_fields(None),
    )
    assert fixed == (True, False)


def test_admin_change_form_does_not_rename_a_package(admin_user, db):
    package = RpmPackage.objects.create(file_name=PACKAGE)
    client = Client()
    client.force_login(admin_user)
    body = {"file_name": RENAMED, "notes": "", "enabled": "on"}
    client.post(f"/admin/catalog/rpmpackage/{package.pk}/change/", body)
    assert RpmPackage.objects.get(pk=package.pk).file_name == PACKAGE
