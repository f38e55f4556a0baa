"""Where media bytes live: a small interface, a local folder by default.

Every blob is stored under its own SHA-256, sharded two levels deep
(ab/cd/abcd…) so no directory grows huge. A blob only ever appears complete:
it is written to a temporary file, fsynced, then renamed into place. An
S3-compatible store implements the `Storage` protocol below (put = PutObject
with the hash as key, open = GetObject, path = None so serving streams).
"""

import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

SHA256_RE = re.compile(r"[0-9a-f]{64}")


class Storage(Protocol):
    """What media code needs of a blob store (staging and partial files stay local)."""

    def exists(self, sha256: str) -> bool: ...
    def put(self, sha256: str, source: Path) -> None: ...
    def put_bytes(self, sha256: str, data: bytes) -> None: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def path(self, sha256: str) -> Path | None: ...
    def delete(self, sha256: str) -> None: ...


class LocalStorage:
    """A folder; safe for several processes on one machine (rename is atomic)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.staging = self.root / "staging"
        # Where the orphan sweep sets a blob aside before deleting it.
        self.trash = self.root / "trash"

    def _blob(self, sha256: str) -> Path:
        # The hash is the only thing that becomes a path: never let anything else in.
        if not SHA256_RE.fullmatch(sha256):
            raise ValueError("not a lowercase hex SHA-256")
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self._blob(sha256).is_file()

    def put(self, sha256: str, source: Path) -> None:
        """Move a complete, fsynced staging file into place (atomic, idempotent)."""
        target = self._blob(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        # The orphan sweep's grace period counts from here (a chunked upload's part
        # file may have been written long ago): every put is a fresh, new-mtime file.
        os.utime(source)
        os.replace(source, target)
        _fsync_dir(target.parent)

    def put_bytes(self, sha256: str, data: bytes) -> None:
        tmp = self.new_staging_file()
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            self.put(sha256, tmp)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return open(self._blob(sha256), "rb")

    def path(self, sha256: str) -> Path | None:
        return self._blob(sha256)

    def delete(self, sha256: str) -> None:
        self._blob(sha256).unlink(missing_ok=True)

    def blobs(self) -> Iterator[tuple[str, os.stat_result]]:
        """Every stored blob, as (sha256, stat); anything not named by a hash is skipped."""
        top = self.root / "blobs"
        for shard in sorted(top.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]")):
            for entry in os.scandir(shard):
                if SHA256_RE.fullmatch(entry.name) and entry.name.startswith(
                    shard.parent.name + shard.name
                ):
                    try:
                        yield entry.name, entry.stat()
                    except FileNotFoundError:
                        continue

    def identity(self, sha256: str) -> tuple[int, int, int] | None:
        """Which stored file this is (inode, device, mtime ns): every put makes a new one."""
        try:
            return _identity(self._blob(sha256).stat())
        except FileNotFoundError:
            return None

    def discard(
        self,
        sha256: str,
        before: float,
        unreferenced: Callable[[], bool],
        expect: tuple[int, int, int] | None = None,
    ) -> bool:
        """Delete a blob last stored before `before` (epoch seconds), if still unreferenced
        (and, given `expect`, only if it is still that very file).

        Safe against a writer storing the same bytes meanwhile: the blob is first renamed
        aside, then its identity re-checked. A put in between shows as a new inode or a
        fresh mtime, and that file goes back (identical bytes, so restoring over a later
        put is harmless). `unreferenced()` is asked again once the file is aside.
        """
        target = self._blob(sha256)
        try:
            seen = target.stat()
        except FileNotFoundError:
            return False
        if seen.st_mtime >= before or expect not in (None, _identity(seen)):
            return False
        if not unreferenced():
            return False
        aside = self.trash / f"{sha256}.{uuid.uuid4().hex}"
        self.trash.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(target, aside)
        except FileNotFoundError:
            return False
        moved = aside.stat()
        same = (moved.st_ino, moved.st_dev) == (seen.st_ino, seen.st_dev)
        if not same or moved.st_mtime >= before or not unreferenced():
            os.replace(aside, target)
            return False
        aside.unlink()
        return True

    def recover_trash(self, referenced: Callable[[str], bool], min_age: float = 3600) -> int:
        """After a crash mid-discard: put back what is referenced, drop the rest.

        Only files set aside more than `min_age` seconds ago: never race a running discard.
        """
        restored = 0
        if not self.trash.is_dir():
            return restored
        settled = time.time() - min_age
        for path in self.trash.iterdir():
            sha256 = path.name.split(".")[0]
            if path.stat().st_ctime > settled:
                continue
            if SHA256_RE.fullmatch(sha256) and referenced(sha256) and not self.exists(sha256):
                self._blob(sha256).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, self._blob(sha256))
                restored += 1
            else:
                path.unlink(missing_ok=True)
        return restored

    def new_staging_file(self) -> Path:
        """A fresh temporary file on the same file system as the blobs (rename stays atomic)."""
        self.staging.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="up-", suffix=".tmp")
        os.close(fd)
        return Path(name)

    def part_path(self, sha256: str) -> Path:
        """The growing file of a chunked upload (one per hash)."""
        self._blob(sha256)  # validates the name
        (self.root / "partial").mkdir(parents=True, exist_ok=True)
        return self.root / "partial" / f"{sha256}.part"


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_dev, stat.st_mtime_ns


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def get_storage() -> LocalStorage:
    app = current_app._get_current_object()
    store = app.extensions.get("media_storage")
    if store is None or str(store.root) != str(app.config["MEDIA_ROOT"]):
        store = app.extensions["media_storage"] = LocalStorage(app.config["MEDIA_ROOT"])
    return store
