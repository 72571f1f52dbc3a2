"""Compressed HTML and JSON, except responses that carry a secret.

BREACH: when a compressed response reflects something an attacker controls next to a secret,
its length leaks the secret byte by byte. Django masks the CSRF token afresh on every response
and its GZipMiddleware pads each body at random, which covers ordinary pages. A response that
shows a secret of its own (a newly created API token or key, say) is still never compressed:
mark its view with @carries_secret.
"""

from functools import wraps

from django.middleware.gzip import GZipMiddleware


def carries_secret(view):
    """Mark a view whose responses show a secret: they are sent uncompressed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.carries_secret = True
        return response

    return wrapped


# Text compresses well; images, PDFs and zip archives are compressed already.
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class CompressionMiddleware(GZipMiddleware):
    """GZipMiddleware for text and JSON, leaving responses marked @carries_secret alone."""

    def process_response(self, request, response):
        if getattr(response, "carries_secret", False):
            return response
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
