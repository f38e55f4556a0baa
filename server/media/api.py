"""Media API: content-addressed upload (PUT, or tus-style chunks), status, serving."""

from datetime import timedelta

import click
from flask import current_app, g, request, send_file
from flask_smorest import Blueprint

from server.access import media as media_rules
from server.auth.access import load_user, requires
from server.errors import ProblemError
from server.extensions import api, db
from server.media import access, gc, http, processing, schemas, service, signatures, uploads
from server.media.storage import get_storage

bp = Blueprint("media", __name__, url_prefix="/api/media", description="Photos and signatures")
api.register_converter(http.Sha256Converter, http.sha256_parameter_schema)

UPLOADERS = ("technician", "dispatcher", "admin")
ANY = ("admin", "dispatcher", "technician", "dealer")
TUS = {"Tus-Resumable": "1.0.0"}
YEAR = 365 * 24 * 3600


def _accepted(media, created: bool):
    db.session.commit()
    if created:
        processing.schedule(media.sha256)
        db.session.refresh(media)
    return media, 201 if created else 200


@bp.route("/<sha256:sha256>", methods=["HEAD"])
@requires(*UPLOADERS)
@bp.doc(**http.HEAD_MEDIA)
def head_media(sha256):
    """Whether the server holds these bytes (200) or not (404), so nothing is sent twice."""
    service.check_sha(sha256)
    media = service.get_media(sha256)
    if media is None:
        return "", 404
    return "", 200, {"X-Media-Status": media.status, "X-Media-Bytes": str(media.byte_size)}


@bp.put("/<sha256:sha256>")
@requires(*UPLOADERS)
@bp.response(200, schemas.MediaObjectSchema)
@bp.alt_response(201, schema=schemas.MediaObjectSchema, description="Stored now")
@bp.doc(**http.PUT_MEDIA)
def put_media(sha256):
    """Send the whole file; idempotent; refused unless the bytes hash to the address."""
    # The app caps other bodies at MAX_JSON_BYTES; here the service counts against the
    # dealer's policy while streaming (MAX_CONTENT_LENGTH stays the outer ceiling).
    media, created = service.put_media(
        sha256, request.stream, request.content_length, g.user, http.purpose()
    )
    return _accepted(media, created)


@bp.get("/<sha256:sha256>/status")
@requires(*ANY)
@bp.response(200, schemas.MediaObjectSchema)
def media_status(sha256):
    """Processing status, for those who may read the bytes (and their uploader while no
    record references them); a stalled job (its process restarted) is picked up again."""
    media = access.media_for_status(sha256, g.user)
    if processing.needs_nudge(media):
        processing.schedule(sha256)
        db.session.refresh(media)
    return media


# --- chunked upload (tus 1.0 core semantics) -----------------------------------


def _tus_version() -> None:
    if request.headers.get("Tus-Resumable") != "1.0.0":
        raise ProblemError(
            412,
            "Send Tus-Resumable: 1.0.0.",
            slug="tus-version",
            headers={"Tus-Version": "1.0.0"},
        )


def _offset_headers(offset: int, length: int) -> dict:
    return {**TUS, "Upload-Offset": str(offset), "Upload-Length": str(length)}


@bp.route("/<sha256:sha256>/upload", methods=["POST"])
@requires(*UPLOADERS)
@bp.doc(**http.CREATE_UPLOAD)
def create_upload(sha256):
    """Start a chunked upload of Upload-Length bytes (or learn how far one got)."""
    _tus_version()
    length = http.byte_count("Upload-Length")
    had = service.get_media(service.check_sha(sha256)) is not None
    offset, length = uploads.create(sha256, length, g.user, http.purpose())
    headers = _offset_headers(offset, length)
    headers["Location"] = f"/api/media/{sha256}/upload"
    return "", 200 if had or offset else 201, headers


@bp.route("/<sha256:sha256>/upload", methods=["HEAD"])
@requires(*UPLOADERS)
@bp.doc(**http.UPLOAD_OFFSET)
def upload_offset(sha256):
    _tus_version()
    offset, length = uploads.status(sha256, g.user)
    return "", 200, {**_offset_headers(offset, length), "Cache-Control": "no-store"}


@bp.route("/<sha256:sha256>/upload", methods=["PATCH"])
@requires(*UPLOADERS)
@bp.doc(**http.APPEND_CHUNK)
def append_chunk(sha256):
    """Append bytes at Upload-Offset; 409 when the server holds a different offset."""
    _tus_version()
    if request.mimetype != "application/offset+octet-stream":
        raise ProblemError(
            415, "Chunks are sent as application/offset+octet-stream.", slug="chunk-content-type"
        )
    offset = http.byte_count("Upload-Offset")
    if offset is None:
        raise ProblemError(400, "Upload-Offset must be a byte offset.", slug="upload-offset")
    try:
        new_offset, media, created = uploads.append(sha256, offset, request.stream, g.user)
    except uploads.OffsetMismatch as exc:
        # tus: say where the server is, so the client resumes from there.
        headers = {"Upload-Offset": str(exc.offset)}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        raise ProblemError(409, exc.detail, slug=exc.slug, headers=headers) from exc
    headers = {**TUS, "Upload-Offset": str(new_offset)}
    if media is not None:
        _accepted(media, created)
        headers["X-Media-Status"] = media.status
    return "", 204, headers


@bp.route("/<sha256:sha256>/upload", methods=["DELETE"])
@requires(*UPLOADERS)
@bp.doc(**http.ABANDON_UPLOAD)
def abandon_upload(sha256):
    _tus_version()
    uploads.abandon(sha256, g.user)
    return "", 204, TUS


# --- reading -------------------------------------------------------------------


@bp.get("/missing")
@requires(*ANY)
@bp.arguments(schemas.MissingQuerySchema, location="query")
@bp.response(200, schemas.MissingSchema)
def missing_media(args):
    """Media that records in your scope reference but the server does not hold yet."""
    return {"items": access.missing(g.user, args["job_id"])}


@bp.get("/<sha256:sha256>/link")
@requires(*ANY)
@bp.arguments(schemas.LinkQuerySchema, location="query")
@bp.response(200, schemas.LinkSchema)
def media_link(args, sha256):
    """A signed, expiring URL for one variant (for dealers' systems and webhooks)."""
    access.media_for_reader(sha256, g.user)
    path, expires = access.signed_path(
        current_app.config["SECRET_KEY"], sha256, args["variant"], args["expires_in"]
    )
    return {"url": request.url_root.rstrip("/") + path, "expires_at": expires}


@bp.get("/<sha256:sha256>/<any(original, display, thumb):variant>")
def media_bytes(sha256, variant):
    """The bytes: by bearer token and scope, or by a signed URL (?token=)."""
    service.check_sha(sha256)
    reader = None  # a signed link names no reader
    if "token" in request.args:
        secret = current_app.config["SECRET_KEY"]
        access.check_signed(secret, request.args["token"], sha256, variant)
        media = service.get_media(sha256)
        if media is None:
            raise access.not_found()
    else:
        reader = load_user()
        media = access.media_for_reader(sha256, reader)
    as_uploaded = media_rules.sees_capture_metadata(reader)
    blob = access.blob_for(media, variant, as_uploaded=as_uploaded)
    store = get_storage()
    if not store.exists(blob.sha256):
        raise access.not_found()
    # A local store hands over a path (sendfile); a remote one a stream.
    source = store.path(blob.sha256) or store.open(blob.sha256)
    # conditional: If-None-Match → 304, and Range requests (resumable original downloads).
    response = send_file(
        source, mimetype=blob.mime, conditional=True, etag=blob.sha256, max_age=YEAR
    )
    response.headers["Cache-Control"] = f"private, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{blob.filename}"'
    # An admin's original and everyone else's differ at the same URL: no shared cache entry.
    response.headers["Vary"] = "Authorization"
    return response


@bp.post("/signatures")
@requires(*UPLOADERS)
@bp.arguments(schemas.SignatureRenderSchema)
@bp.response(201, schemas.MediaObjectSchema)
def render_signature(args):
    """Render and keep the PNG for signature_pad stroke data; returns its hash."""
    media = signatures.store_signature(
        args["strokes"], args["width"], args["height"], uploaded_by=g.user.id
    )
    db.session.commit()
    return media


@bp.cli.command("process-pending")
def process_pending_command():
    """Derive display images for media left pending (e.g. after a restart)."""
    print(f"processed {processing.process_pending()} media")


@bp.cli.command("sweep-uploads")
@click.option("--days", default=7, show_default=True, help="untouched for this long")
def sweep_uploads_command(days):
    """Drop abandoned chunked uploads and stray staging files."""
    print(f"dropped {uploads.sweep(timedelta(days=days))} uploads")


@bp.cli.command("sweep-orphans")
@click.option(
    "--hours", default=24.0, show_default=True, help="grace period: keep files newer than this"
)
def sweep_orphans_command(hours):
    """Delete stored files no media record references (failed commits, superseded derivations)."""
    try:
        counts = gc.sweep_orphans(timedelta(hours=hours))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--hours") from exc
    print(
        f"checked {counts['checked']} files: deleted {counts['deleted']}, "
        f"kept {counts['kept_recent']} within the grace period, restored {counts['restored']}"
    )
