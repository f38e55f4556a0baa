"""Signed links to a package's media, for API answers and webhook bodies alike.

Reads the app's secret and public address (infrastructure, like the media store's root);
a link lets a dealer's system fetch the bytes without an account, until it expires.
"""

from flask import current_app, has_request_context, request

from server.media.access import signed_path

# Longer than the delivery retries (3 days): a late delivery still carries working links.
LINK_SECONDS = 7 * 24 * 3600


def base_url(public: bool = False) -> str:
    """This request's own address, or PUBLIC_BASE_URL (outside a request, or `public`:
    a webhook body is read far from the request that happened to build it)."""
    if has_request_context() and not public:
        return request.url_root.rstrip("/")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def media_link(sha256: str, variant: str = "original", public: bool = False) -> str:
    path, _ = signed_path(current_app.config["SECRET_KEY"], sha256, variant, LINK_SECONDS)
    return base_url(public) + path
