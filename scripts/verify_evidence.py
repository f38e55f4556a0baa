"""Check a downloaded evidence package (the zip of GET /api/jobs/<id>/evidence/download):
the manifest's hash, every media file's hash, every signed statement's hash.
Standard library only.   python3 verify_evidence.py evidence.zip"""

import hashlib
import json
import sys
import zipfile


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problems(path: str) -> list[str]:
    archive = zipfile.ZipFile(path)
    package = json.loads(archive.read("package.json"))
    manifest, found = package["manifest"], []
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if sha(canonical.encode()) != package["manifest_sha256"]:
        found.append("manifest: its SHA-256 differs")
    listed = {p["delivered_sha256"] for p in manifest["photos"]}
    listed |= {s["png_sha256"] for s in manifest["signatures"] if s["png_sha256"]}
    for name in sorted(listed):
        if f"media/{name}" not in archive.namelist():
            found.append(f"media {name}: missing")
        elif sha(archive.read(f"media/{name}")) != name:
            found.append(f"media {name}: the bytes differ")
    for s in manifest["signatures"]:
        if sha(s["statement_text"].encode()) != s["statement_sha256"]:
            found.append(f"signature {s['id']}: the statement differs from what was signed")
    return found


if __name__ == "__main__":
    found = problems(sys.argv[1])
    print("\n".join(found) or "OK: the manifest, every file and every statement verify")
    sys.exit(1 if found else 0)
