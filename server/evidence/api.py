"""Evidence packages as JSON, for dealers' own systems and the office (in the OpenAPI
document); who may read a package is who may read its job (server/access/rules.py)."""

import io
import json
import zipfile

import sqlalchemy as sa
from flask import Response, g
from flask_smorest import Blueprint
from marshmallow import fields, validate

from server.access import rules as access
from server.auth.access import requires
from server.common.paging import paginate
from server.common.schemas import PageQuerySchema, StrictSchema, page_of
from server.desk.models import Job
from server.evidence import service, status
from server.evidence.models import EvidencePackage
from server.evidence.present import package_body
from server.extensions import db
from server.media.storage import get_storage

bp = Blueprint("evidence", __name__, url_prefix="/api", description="Evidence packages")
READERS = ("admin", "dispatcher", "technician", "dealer")


class MediaEntrySchema(StrictSchema):
    kind = fields.String()
    purpose = fields.String()
    sha256 = fields.String()
    delivered_sha256 = fields.String()
    url = fields.String()


class PackageSchema(StrictSchema):
    package_id = fields.UUID()
    job_id = fields.UUID()
    version = fields.Integer()
    status = fields.String(metadata={"description": " | ".join(status.STATUSES)})
    manifest = fields.Dict(allow_none=True)
    manifest_sha256 = fields.String(allow_none=True)
    waiting_for = fields.List(fields.String())
    media = fields.List(fields.Nested(MediaEntrySchema))


class PackageSummarySchema(StrictSchema):
    id = fields.UUID()
    job_id = fields.UUID()
    version = fields.Integer()
    status = fields.String(metadata={"description": " | ".join(status.STATUSES)})
    manifest_sha256 = fields.String(allow_none=True)
    completed_at = fields.AwareDateTime()
    built_at = fields.AwareDateTime(allow_none=True)


class VersionQuerySchema(StrictSchema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=10_000))


class PackageQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(status.STATUSES))


SUMMARY = ("id", "job_id", "version", "manifest_sha256", "completed_at", "built_at")


def _summaries():
    """Packages as listed: their own columns and the status (status.py)."""
    columns = [getattr(EvidencePackage, name) for name in SUMMARY]
    return status.joined(sa.select(*columns, status.expression().label("status")))


def _job(job_id) -> Job:
    return access.get(Job, job_id, g.user)


@bp.get("/jobs/<uuid:job_id>/evidence")
@requires(*READERS)
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(200, PackageSchema)
def job_evidence(args, job_id):
    """The job's evidence package (the latest version, or `version`)."""
    package = service.get_package(_job(job_id), args["version"])
    return package_body(package, status.of(package))


@bp.get("/jobs/<uuid:job_id>/evidence/versions")
@requires(*READERS)
@bp.response(200, PackageSummarySchema(many=True))
def job_evidence_versions(job_id):
    """Every version of the job's package, newest first (each names the one before)."""
    job = _job(job_id)
    query = _summaries().where(EvidencePackage.job_id == job.id)
    return db.session.execute(query.order_by(EvidencePackage.version.desc())).all()


@bp.get("/evidence")
@requires(*READERS)
@bp.arguments(PackageQuerySchema, location="query")
@bp.response(200, page_of(PackageSummarySchema))
def list_packages(args):
    """Packages of the jobs you may read, newest first."""
    jobs = access.job_ids(g.user)
    query = _summaries().where(EvidencePackage.job_id.in_(jobs))
    if "status" in args:
        query = query.where(status.expression() == args["status"])
    order = (EvidencePackage.completed_at.desc(), EvidencePackage.id)
    return paginate(query, args, *order, rows=True)


@bp.get("/jobs/<uuid:job_id>/evidence/download")
@requires(*READERS)
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(200, description="A zip: package.json and media/<delivered sha256>")
def download(args, job_id):
    """The package and its bytes in one zip, for scripts/verify_evidence.py."""
    package = service.get_package(_job(job_id), args["version"])
    body = package_body(package, status.of(package))
    out = io.BytesIO()
    store = get_storage()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("package.json", json.dumps(body, ensure_ascii=False, indent=2))
        # Two signatures drawn alike share one image: each file once.
        for name in sorted({entry["delivered_sha256"] for entry in body["media"]}):
            with store.open(name) as blob:
                archive.writestr(f"media/{name}", blob.read())
    name = f"evidence-{body['job_id']}-v{body['version']}.zip"
    return Response(
        out.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
