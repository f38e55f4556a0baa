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


def test_errors_are_documented_as_problem_json(client):
    spec = client.get("/api/openapi.json").get_json()
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete", "head"}:
                assert "default" in operation["responses"], (method, path)


def test_the_documented_schema_versions_are_the_supported_ones(client):
    from server.sync.service import SUPPORTED_SCHEMA_VERSIONS

    spec = client.get("/api/openapi.json").get_json()
    push = spec["components"]["schemas"]["Push"]["properties"]["schema_version"]
    pull = spec["paths"]["/api/sync/pull"]["get"]["parameters"]
    (version,) = [p for p in pull if p["name"] == "schema_version"]
    assert push["enum"] == version["schema"]["enum"] == list(SUPPORTED_SCHEMA_VERSIONS)


def test_a_path_lists_only_its_own_methods(client, world):
    """/api/media/missing is not a media address, so PUT is not allowed there; each desk
    collection's DELETE belongs to its own path."""
    allow = client.options("/api/media/missing", headers=world.auth("admin")).headers["Allow"]
    assert "PUT" not in allow
    allow = client.options(f"/api/jobs/{world.ids['job1']}", headers=world.auth("admin"))
    unit = client.options(f"/api/units/{world.ids['unit1']}", headers=world.auth("admin"))
    assert "DELETE" in allow.headers["Allow"] and "DELETE" in unit.headers["Allow"]
    spec = client.get("/api/openapi.json").get_json()
    for collection in ("customers", "units", "requests"):
        assert "delete" in spec["paths"][f"/api/{collection}/{{row_id}}"]
