import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import Timestamps
from server.dealers.policy import complete_policy
from server.extensions import db


class Dealer(Timestamps, db.Model):
    __tablename__ = "dealers"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False, unique=True)
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    # The stored document may be partial (only what the dealer changed); read it via `policy`.
    policy_doc: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    @property
    def policy(self) -> dict:
        return complete_policy(self.policy_doc)
