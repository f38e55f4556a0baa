"""Security headers on every response, set in one place.

HTML pages get a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' (their
scripts and styles are files served by the app) that forbids framing; everything else
gets a policy that allows nothing, so a JSON body or an image opened as a page runs
nothing. A view may set its own headers first; these are defaults.
"""

from flask import Flask, Response

PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # Swagger UI's stylesheet draws its icons as data: SVGs; the technician's app
        # shows photo thumbnails it made on the device as blob: URLs.
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        # The app's service worker and its photo worker: files of the app only.
        "worker-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Signed media links carry their token in the URL: never hand it on.
    "Referrer-Policy": "no-referrer",
    # For browsers older than frame-ancestors.
    "X-Frame-Options": "DENY",
}


def _secure(response: Response) -> Response:
    policy = PAGE_POLICY if response.mimetype == "text/html" else OTHER_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def install(app: Flask) -> None:
    app.after_request(_secure)
