"""The Markdown documents editors already publish, read into records and written back.

Format A (:mod:`.digest`, :mod:`.digest_writer`) is a dated digest issue; format B
(:mod:`.review`) is a quick review of one paper. :func:`read_document` tells them apart by their
structure and reads either.

The readers (and markdown-it, which they parse with) are imported when a document is read: a
build uses only :mod:`.bibtex` and :mod:`.scholarly`, and importing this package should not cost
it the readers' imports and patterns.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem, SiteError, decode_error_line
from .model import DIGEST, REVIEW, Document, ImportedPaper

__all__ = ["DIGEST", "REVIEW", "Document", "ImportedPaper", "detect", "read_document"]


def detect(text: str) -> str | None:
    """``DIGEST``, ``REVIEW``, or None for a document that is neither."""
    from .digest import looks_like_digest
    from .markdown import parser
    from .review import looks_like_review

    if looks_like_digest(parser().parse(text, {})):
        return DIGEST
    if looks_like_review(text):
        return REVIEW
    return None


def read_document(path: Path, text: str | None = None) -> Document:
    """Read ``path`` as whichever format it is; raise :class:`SiteError` when it is neither."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SiteError([Problem(path, decode_error_line(exc),
                                     f"not UTF-8 text: {exc.reason}")]) from None
        except OSError as exc:
            raise SiteError([Problem(path, None, f"cannot read: {exc.strerror}")]) from None
    from .digest import read_digest
    from .review import read_review

    kind = detect(text)
    if kind == DIGEST:
        return read_digest(path, text)
    if kind == REVIEW:
        return read_review(path, text)
    raise SiteError([Problem(path, 1, "neither a digest issue (a 摘要 table whose rows are "
                                      "| [^n] | [title](link) | summary |) nor a paper review "
                                      "(a '[论文解读] title' line)")])
