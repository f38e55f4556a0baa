def test_health_names_the_database_it_answered_from(client):
    from tests.conftest import is_postgres

    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == ("postgresql" if is_postgres() else "sqlite")
    assert body["version"]


def test_the_landing_page_is_chinese_first_and_links_the_api(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert 'href="/api/docs"' in page
    assert 'href="/admin/sync/conflicts"' in page
