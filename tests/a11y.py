"""axe-core through axe-playwright-python: the accessibility check of every browser test."""

import pytest

axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")


def serious(page) -> list[str]:
    """axe-core's serious and critical violations on what the page shows now."""
    results = axe_sync.Axe().run(page)
    return [
        f"{v['id']}: {node['html'][:80]} {node['failureSummary'][:160]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]
