"""The public request form's API (no login, rate-limited): docs/service-desk.md."""

from flask import request as http
from flask_smorest import Blueprint
from marshmallow import fields

from server.common import tx
from server.common.schemas import StrictSchema
from server.desk import public
from server.desk.intake_schemas import PublicRequestSchema

bp = Blueprint(
    "public_requests", __name__, url_prefix="/api/public", description="Public request form"
)


class ReceivedSchema(StrictSchema):
    # A short reference the customer can quote on the phone; nothing else is revealed.
    reference = fields.String()
    received_at = fields.AwareDateTime()


def reference(row) -> str:
    return row.id.hex[:8].upper()


@bp.post("/requests")
@bp.arguments(PublicRequestSchema)
@bp.response(201, ReceivedSchema)
def send(args):
    """Send a service request without signing in. 429 with Retry-After after too many from
    one address."""
    row = public.submit(args, http.remote_addr or "?")
    tx.commit()
    return {"reference": reference(row), "received_at": row.received_at}
