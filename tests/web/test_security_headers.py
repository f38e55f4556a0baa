"""Every HTML page sends a strict Content-Security-Policy (no 'unsafe-inline'), forbids
framing, and loads only scripts and styles the app serves itself; every other response
gets nosniff, a Referrer-Policy and a policy that allows nothing."""

from html.parser import HTMLParser

import pytest

PAGES = ["/", "/admin/sync/conflicts", "/api/docs", "/request"]


class Inventory(HTMLParser):
    """What a page would load or run: script and style sources, and anything inline."""

    def __init__(self):
        super().__init__()
        self.sources: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on") or name == "style":
                self.inline.append(f"{tag} {name}=")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            if attrs.get("src"):
                self.sources.append(attrs["src"])
            else:
                self._in_script = True
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon"):
            self.sources.append(attrs["href"])

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append("<script>…")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", PAGES)
def test_every_html_page_sends_a_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    found = directives(policy)
    assert found["frame-ancestors"] == ["'none'"]
    assert found["default-src"] == ["'none'"]
    assert found["script-src"] == ["'self'"] and found["style-src"] == ["'self'"]
    assert found["base-uri"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_nothing_inline_and_load_only_the_apps_own_files(client, path):
    page = Inventory()
    page.feed(client.get(path).get_data(as_text=True))
    assert page.inline == []
    assert page.sources, "the page loads its script or style from files"
    for source in page.sources:
        assert source.startswith("/") and not source.startswith("//"), source
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        expected = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
        assert asset.mimetype == expected[source.rsplit(".", 1)[1]], source
        asset.close()


def test_the_docs_serve_the_pinned_swagger_ui_and_nothing_else_of_the_package(client, app):
    import swagger_ui_bundle

    page = client.get("/api/docs").get_data(as_text=True)
    assert "cdn" not in page and "http" not in page
    assert not any("cdn" in str(value) for value in app.config.values())
    bundle = client.get("/api/docs/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    with open(f"{swagger_ui_bundle.swagger_ui_path}/swagger-ui-bundle.js", "rb") as f:
        assert bundle.data == f.read()
    bundle.close()
    # The package's own index.html has an inline script: not served.
    for name in ("index.html", "swagger-initializer.js", "../__init__.py"):
        response = client.get(f"/api/docs/swagger-ui/{name}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/api/health", "/api/openapi.json", "/api/nowhere", "/api/auth/me"]
)
def test_other_responses_allow_nothing_and_are_not_sniffed(client, path):
    response = client.get(path)
    assert response.mimetype != "text/html"
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
