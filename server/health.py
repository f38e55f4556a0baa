import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.extensions import db

bp = Blueprint("health", __name__, url_prefix="/api", description="Liveness")


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    version = fields.String()


@bp.get("/health")
@bp.response(200, HealthSchema)
@bp.doc(security=[])
def health():
    """Say whether the server and its database answer."""
    from server import __version__

    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok", "database": db.engine.dialect.name, "version": __version__}
