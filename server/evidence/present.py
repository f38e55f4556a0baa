"""A package as dealers' systems receive it: the manifest, its hash, its status, and each
media entry with the hash of the bytes and a signed link to them. The webhook body is
this same object, so a receiver verifies it from the body and the bytes it fetches."""

from server.evidence.links import media_link
from server.evidence.models import EvidencePackage


def media_entries(manifest: dict, public: bool = False) -> list[dict]:
    photos = [
        {
            "kind": "photo",
            "purpose": p["purpose"],
            "sha256": p["sha256"],
            "delivered_sha256": p["delivered_sha256"],
            "url": media_link(p["sha256"], public=public),
        }
        for p in manifest["photos"]
    ]
    signatures = [
        {
            "kind": "signature",
            "purpose": s["purpose"],
            "sha256": s["png_sha256"],
            "delivered_sha256": s["png_sha256"],
            "url": media_link(s["png_sha256"], public=public),
        }
        for s in manifest["signatures"]
        if s["png_sha256"]
    ]
    return photos + signatures


def package_body(package: EvidencePackage, status: str, public: bool = False) -> dict:
    """The package as JSON; `public`: links on PUBLIC_BASE_URL (a webhook body)."""
    built = package.status == "built"
    return {
        "package_id": str(package.id),
        "job_id": str(package.job_id),
        "version": package.version,
        "status": status,
        "manifest": package.manifest if built else None,
        "manifest_sha256": package.manifest_sha256,
        "waiting_for": package.waiting_for or [],
        "media": media_entries(package.manifest, public) if built else [],
    }
