"""Images stored once: the data-URI images of a page become content-addressed files beside it.

The executed notebook carries every figure as base64 inside its HTML and PNG outputs; exported
as is, each page would hold each figure twice (reader and auditor view) and every page would
be several times its text.  :func:`store_images` writes each distinct image once, as
``<folder>/<sha256 prefix>.<ext>``, and points the page at it with a relative URL, so both
views of a step share one file and the same image always gets the same name.
:func:`link_figures` then makes each numbered figure's image a link to that file, so a reader on
a phone, where a figure is scaled to the screen's width, can open it at full size and zoom.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from pathlib import Path

from tieval.atomic import atomic_write

__all__ = ["store_images", "link_figures", "DIGEST_CHARS"]

#: Hex characters of the SHA-256 kept in an image's file name.
DIGEST_CHARS = 16

_EXT = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "gif": "gif", "svg+xml": "svg", "webp": "webp"}
_DATA_URI = re.compile(r'(src=["\'])data:image/(png|jpeg|jpg|gif|svg\+xml|webp);base64,([A-Za-z0-9+/=\s]+)(["\'])')


def store_images(body: str, folder: Path, href_prefix: str, written: dict[str, str] | None = None) -> str:
    """``body`` with every base64 data-URI image written to ``folder`` and linked as ``href_prefix + name``.

    ``written`` (file name -> digest) is shared between the views of a step so that an image is
    written once; a file already holding the same bytes is left as it is."""
    written = {} if written is None else written

    def store(match: re.Match) -> str:
        try:
            data = base64.b64decode(re.sub(r"\s+", "", match.group(3)), validate=True)
        except (binascii.Error, ValueError):
            return match.group(0)  # not valid base64: left as it stands
        digest = hashlib.sha256(data).hexdigest()
        name = f"{digest[:DIGEST_CHARS]}.{_EXT[match.group(2)]}"
        if name not in written:
            path = Path(folder) / name
            if not (path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest):
                path.parent.mkdir(parents=True, exist_ok=True)
                with atomic_write(path, "wb") as handle:
                    handle.write(data)
            written[name] = digest
        return f"{match.group(1)}{href_prefix}{name}{match.group(4)}"

    return _DATA_URI.sub(store, body)


_FIGURE_IMG = re.compile(r'(<figure class="[^"]*\btieval-figure\b[^"]*"[^>]*>\s*)(<img\b[^>]*\bsrc="([^"]+)"[^>]*>)')


def link_figures(body: str) -> str:
    """``body`` with the image of every numbered figure (``<figure class="tieval-figure">``) wrapped
    in a link to its own file (one stored by :func:`store_images`; a data URI is left unlinked)."""

    def wrap(match: re.Match) -> str:
        if match.group(3).startswith("data:"):
            return match.group(0)
        return f'{match.group(1)}<a class="tieval-zoom" href="{match.group(3)}">{match.group(2)}</a>'

    return _FIGURE_IMG.sub(wrap, body)
