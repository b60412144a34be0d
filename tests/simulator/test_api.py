"""Envelope, paging, auth and read endpoints of the simulator over real HTTP."""

import email.utils
import re
import time
from urllib.parse import urlsplit

import requests

from ocpdash.simulator.auth import sign_headers, signature, string_to_sign
from ocpdash.simulator.estate import PACKAGES, seed_package_file_names

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?\+08:00$")


def aksk_get(sim, path, query="", secret=None, date=None):
    host = urlsplit(sim.url).netloc
    headers = sign_headers(
        sim.access_key_id, secret or sim.access_key_secret, "GET", path, query, host, date=date
    )
    return requests.get(f"{sim.url}{path}{'?' + query if query else ''}", headers=headers, timeout=5)


def test_aksk_signature_matches_the_worked_example_of_the_ocp_doc():
    query = (
        "metrics=host_disk_total&labels=svr_ip:127.0.0.1&groupBy=app,svr_ip,device,mount_point"
        "&startTime=2024-04-15T14:29:55%2B08:00&endTime=2024-04-15T14:30:55%2B08:00&maxPoints=360"
    )
    headers = {
        "content-type": "application/json",
        "x-ocp-origin": "for-test",
        "date": "Mon, 15 Apr 2024 09:25:02 GMT",
    }
    message = string_to_sign("GET", "/api/v2/monitor/top", query, headers, b"", "127.0.0.1:8080")
    assert signature("d75332c5eed8d440a84a35ac6248d397", message) == "To11kg1EsB/dPWyDnnpuUzIUoQk="


def test_success_envelope_has_ocp_metadata_and_omits_nulls(simulator):
    body = simulator.get("/api/v2/ob/clusters/1")
    assert body["successful"] is True and body["status"] == 200
    assert TS.match(body["timestamp"]) and re.fullmatch(r"[0-9a-f]{16}", body["traceId"])
    assert isinstance(body["duration"], int) and body["server"]
    assert "syncStatus" not in body["data"]  # PRIMARY: null omitted
    assert body["data"]["name"] == "orion" and body["data"]["obVersion"] == "4.2.1.0"


def test_time_and_info_are_bare_and_public(simulator):
    assert TS.match(requests.get(f"{simulator.url}/api/v2/time", timeout=5).json())
    info = requests.get(f"{simulator.url}/api/v2/info", timeout=5).json()
    assert info["buildVersion"] == "4.2.2-20240108150515"
    assert {k: info[k] for k in ("artifact", "name", "group")} == {
        "artifact": "ocp-server",
        "name": "ocp-server",
        "group": "com.oceanbase",
    }
    assert TS.match(info["buildTime"]) and info["buildJavaVersion"] and info["springBootVersion"]


def test_cluster_list_is_paged_one_based_and_filtered(simulator):
    page = simulator.get("/api/v2/ob/clusters", page=2, size=3)["data"]
    assert page["page"] == {"number": 2, "size": 3, "totalElements": 12, "totalPages": 4}
    assert [c["id"] for c in page["contents"]] == [4, 5, 6]
    assert [c["name"] for c in simulator.get("/api/v2/ob/clusters", name="TERR")["data"]["contents"]] == [
        "terran"
    ]
    stopped = simulator.get("/api/v2/ob/clusters", status="STOPPED")["data"]["contents"]
    assert [c["id"] for c in stopped] == [5]


def test_estate_has_both_architectures_standbys_and_a_stopped_cluster(simulator):
    clusters = simulator.get("/api/v2/ob/clusters", size=100)["data"]["contents"]
    assert {c["type"] for c in clusters} == {"PRIMARY", "STANDBY"}
    assert {len(c["zones"]) for c in clusters} >= {1, 2, 3, 5}
    arches = set()
    for cluster in clusters:
        server = simulator.get(f"/api/v2/ob/clusters/{cluster['id']}/servers")["data"]["contents"][0]
        arches.add(simulator.get(f"/api/v2/compute/hosts/{server['hostId']}")["data"]["architecture"])
    assert arches == {"x86_64", "aarch64"}


def test_zones_and_zone_servers(simulator):
    zones = simulator.get("/api/v2/ob/clusters/6/zones")["data"]
    assert "page" not in zones and [z["name"] for z in zones["contents"]] == [f"zone{i}" for i in range(1, 6)]
    servers = simulator.get("/api/v2/ob/clusters/2/zones/zone2/servers")["data"]["contents"]
    assert len(servers) == 2 and servers[0]["version"].startswith("4.2.0.0_100000202023052215-")
    assert simulator.get("/api/v2/ob/clusters/99")["status"] == 404


def test_basic_auth_good_bad_and_missing(simulator):
    url = f"{simulator.url}/api/v2/ob/clusters"
    assert requests.get(url, auth=(simulator.username, simulator.password), timeout=5).status_code == 200
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 401 and missing.json()["successful"] is False
    assert missing.json()["error"]["code"] == 0 and "not logged on" in missing.json()["error"]["message"]
    wrong = requests.get(url, auth=("admin", "wrong"), timeout=5)
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == 0
    assert wrong.json()["error"]["message"] == (
        "Incorrect username or password. Please try again. You can try for 19 more times."
    )


def test_aksk_good_wrong_signature_and_skew(simulator):
    ok = aksk_get(simulator, "/api/v2/tasks/instances", "size=5&page=1")
    assert ok.status_code == 200, ok.text
    assert aksk_get(simulator, "/api/v2/tasks/instances", "size=5", secret="nope").status_code == 401
    old = email.utils.formatdate(time.time() - 16 * 60, usegmt=True)
    skewed = aksk_get(simulator, "/api/v2/tasks/instances", date=old)
    assert skewed.status_code == 401 and "15 minutes" in skewed.json()["error"]["debugMessage"]


def test_viewer_reads_but_gets_403_on_mutations(simulator):
    assert requests.get(f"{simulator.url}/api/v2/ob/clusters", auth=("viewer", "viewer"), timeout=5).ok
    response = requests.post(
        f"{simulator.url}/api/v2/ob/clusters/1/upgrade",
        auth=("viewer", "viewer"),
        json={"rpmFileName": "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"},
        timeout=5,
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == 30014
    assert simulator.upgrade_posts() == 1


def test_unknown_route_and_malformed_json_are_400(simulator):
    unknown = simulator.get("/api/v2/nothing/here")
    assert unknown["status"] == 400
    assert unknown["error"]["message"] == "Could not find the GET method for URL /api/v2/nothing/here"
    bad = requests.post(
        f"{simulator.url}/api/v2/ob/clusters/1/upgrade",
        auth=simulator.auth,
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["error"]["message"] == "Malformed JSON request"


def test_packages_list_upload_conflict_bad_name_and_delete(simulator):
    listed = simulator.get("/api/v2/software-packages", size=100)["data"]
    assert [p["fileName"] for p in listed["contents"]] == list(PACKAGES)
    servers = simulator.get("/api/v2/software-packages", size=100, type="OB_SERVER_INSTALL_PACKAGE")
    assert [p["fileName"] for p in servers["data"]["contents"]] == seed_package_file_names()
    assert {"sha1", "buildNumber", "architecture", "operatingSystem"} <= set(listed["contents"][0])
    url = f"{simulator.url}/api/v2/software-packages"
    name = "oceanbase-3.1.3-20220315104517.el7.x86_64.rpm"
    created = requests.post(url, auth=simulator.auth, files={"file": (name, b"rpm-bytes")}, timeout=5)
    assert created.status_code == 200, created.text
    meta = created.json()["data"]
    assert (meta["version"], meta["buildNumber"], meta["size"]) == ("3.1.3", "20220315104517", 9)
    again = requests.post(url, auth=simulator.auth, files={"file": (name, b"x")}, timeout=5)
    assert again.status_code == 409
    bad = requests.post(url, auth=simulator.auth, files={"file": ("hello.txt", b"x")}, timeout=5)
    assert bad.status_code == 400
    deleted = requests.delete(f"{url}/{meta['id']}", auth=simulator.auth, timeout=5)
    assert deleted.status_code == 200 and "data" not in deleted.json()
    assert requests.delete(f"{url}/{meta['id']}", auth=simulator.auth, timeout=5).status_code == 404
