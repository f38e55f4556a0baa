"""OpenAPI 3 lists every endpoint the app serves under /api."""

import re


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule)


def test_openapi_lists_every_api_endpoint_and_method(client, app):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete", "head"}
    }
    served = {
        (_spec_path(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and not rule.rule.startswith(("/api/docs", "/api/openapi.json"))
        and rule.endpoint.split(".")[0] in app.blueprints
        and "api-docs" not in rule.endpoint
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served, "no API routes found"
    assert served <= documented, served - documented


def test_the_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_bearer_security_is_declared(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    login = spec["paths"]["/api/auth/login"]["post"]
    assert login["security"] == []
