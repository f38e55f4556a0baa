"""The synced entities are written once; the protocol doc names the same list."""

import re
from pathlib import Path

from server.sync import changes
from server.sync.entities import BY_NAME, SYNCED

DOC = Path(__file__).parents[2] / "docs" / "sync-protocol.md"


def test_the_protocol_doc_lists_exactly_the_synced_entities():
    text = DOC.read_text(encoding="utf-8")
    bullet = text[text.index("* **Entities**") :]
    bullet = bullet[: bullet.index("\n* ")]
    named = set(re.findall(r"`([a-z_]+)`", bullet))
    dealer_fields = {"id", "name", "contact_phone", "policy", "rules"}
    assert named - dealer_fields == set(BY_NAME)


def test_the_change_log_tracks_every_synced_entity(app):
    assert {m.__tablename__ for m in SYNCED} == set(changes._tracked.values())
