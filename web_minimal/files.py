"""How a file someone sent is served: as a download, sandboxed, never run by the browser."""

from __future__ import annotations

import io

from flask import Response, send_file

#: For a sent file, even one a browser would render: no script, no plugin, no origin of ours.
UPLOAD_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
#: Types a browser shows without running anything: these alone may open in the page.
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})
#: Personal data: a shared cache must not keep it, a private one must ask again each time.
CACHE_CONTROL = "private, no-cache"


def send_upload(content: bytes, media_type: str, filename: str, *, inline: bool = False,
                etag: str | None = None) -> Response:
    """Send a file someone sent, or a ZIP of them: a download (an image may open inline)."""
    inline = inline and media_type in INLINE_TYPES
    response = send_file(io.BytesIO(content), mimetype=media_type, as_attachment=not inline,
                         download_name=filename, etag=etag or False, conditional=etag is not None)
    if inline:
        # send_file names the file only for a download; the viewer's "save" keeps the name too.
        response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Content-Security-Policy"] = UPLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
