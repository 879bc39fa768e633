"""HTTP security headers, the session cookie's Secure flag, and a warning about an untrusted
proxy."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface

# 'self' only: every script, style, font and image is served from static/.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured, or when this request is HTTPS (through trusted proxies)."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def set_security_headers(response: Response) -> Response:
    """Add the headers of docs/quality-bars.md (Security and privacy) to every response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Health data: never kept in shared caches or the browser's back-forward cache on disk.
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response


log = logging.getLogger(__name__)
PROXY_WARNED = "diary.proxy_warned"  # app.extensions key: the warning is logged once


def warn_of_an_untrusted_proxy() -> None:
    """Log once when requests come through a proxy that the app is not told about.

    With TRUSTED_PROXIES=0 every request then has the proxy's address: the throttle counts
    everyone as one address (docs/security.md, Throttling) and the audit trail records the
    proxy. The header alone is no proof of a proxy (a client can send it), so this warns and
    changes nothing.
    """
    app = current_app._get_current_object()
    if (app.config["TRUSTED_PROXIES"] == 0 and "X-Forwarded-For" in request.headers
            and not app.extensions.get(PROXY_WARNED)):
        app.extensions[PROXY_WARNED] = True
        log.warning("requests carry X-Forwarded-For but TRUSTED_PROXIES is 0: every client "
                    "counts as the proxy's address %s; set TRUSTED_PROXIES to the number of "
                    "proxies in front (README, Deployment)", request.remote_addr)


def init_app(app: Flask) -> None:
    """Install the session interface, the header hook and the proxy warning."""
    app.session_interface = HttpsAwareSessionInterface()
    app.before_request(warn_of_an_untrusted_proxy)
    app.after_request(set_security_headers)
