import pytest


@pytest.mark.parametrize("url", ["/api/packages/?arch=%00", "/api/upgrades/?q=a%00b", "/api/clusters/?%00=1"])
def test_api_refuses_nul_in_query_with_the_json_error_shape(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "NUL" in response.json()["message"]


def test_pages_refuse_nul_in_query_with_a_plain_400(admin_client):
    response = admin_client.get("/history/?q=%00")
    assert response.status_code == 400 and b"NUL" in response.content


def test_ordinary_queries_pass(admin_client):
    assert admin_client.get("/history/?q=orion").status_code == 200
