def test_health_names_the_database_it_answered_from(client):
    from tests.conftest import is_postgres

    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == ("postgresql" if is_postgres() else "sqlite")
    assert body["version"]
