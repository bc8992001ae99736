def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_schema_describes_the_api(client, db):
    response = client.get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "openapi" in response.content.decode()
