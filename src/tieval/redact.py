"""De-identification of survey answers: redacting free text and giving respondents pseudonymous ids.

Free-text answers can name people or carry contact details.  :func:`redact_text`
replaces, in this order, e-mail addresses, URLs, IP addresses (v4 and v6),
telephone numbers (UK national and international forms) and the names a study
lists in ``survey.redact_names`` with the tokens ``[email]``, ``[url]``,
``[ip]``, ``[phone]`` and ``[name]``, and counts what it replaced by kind (the
counts are reported; the removed values never are).

:func:`pseudonymous_ids` turns the export's response ids into stable ids
(``R`` + the first 10 hex digits of SHA-256 of ``"<study>:<response id>"``), so
the same response keeps the same id across builds while the export's own id
never reaches processed data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["PATTERNS", "Redaction", "name_pattern", "redact_text", "redact_series", "pseudonymous_ids",
           "ID_PREFIX", "ID_HEX_DIGITS"]

_HEX = r"[0-9A-Fa-f]{1,4}"

#: Redaction patterns, applied in this order (e-mails before URLs so a mail domain is not a URL).
PATTERNS: dict[str, re.Pattern] = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "url": re.compile(
        r"(?i)\b(?:https?://|ftp://|www\.)(?:[^\s<>\"']*[^\s<>\"'.,;:!?)])?"
        r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|nhs|edu|ac|co|uk|io|info|eu)\b"
        r"(?:/(?:[^\s<>\"']*[^\s<>\"'.,;:!?)])?)?"),
    "ip": re.compile(
        r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]\d)"
        rf"|(?<![\w:])(?:(?:{_HEX}:){{7}}{_HEX}"
        rf"|(?:{_HEX}:){{1,6}}:(?:{_HEX}(?::{_HEX}){{0,5}})?"
        rf"|::(?:{_HEX}:){{0,5}}{_HEX})(?![\w:])"),
    "phone": re.compile(
        r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,4}\)?){2,6}(?!\w)"  # +44 20 7946 0958
        r"|(?<![\w+])\(?0\d{1,4}\)?(?:[ .-]?\d){6,9}(?!\w)"                                 # 020 7946 0958, 07700 900123
        r"|(?<![\w+])\(\d{3}\) ?\d{3}[ .-]\d{4}(?!\w)"),                                   # (212) 555-0123
}

TOKENS = {"email": "[email]", "url": "[url]", "ip": "[ip]", "phone": "[phone]", "name": "[name]"}

ID_PREFIX = "R"
ID_HEX_DIGITS = 10


def name_pattern(names) -> re.Pattern | None:
    """A case-insensitive whole-word pattern for ``names`` (longest first), or ``None`` if there are none."""
    cleaned = sorted({" ".join(str(n).split()) for n in names if str(n).strip()}, key=lambda n: (-len(n), n))
    if not cleaned:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in n.split()) for n in cleaned)
    return re.compile(rf"(?i)(?<!\w)(?:{alternatives})(?!\w)")


@dataclass
class Redaction:
    """Redacted texts and how many values of each kind were replaced."""

    texts: pd.Series
    counts: dict[str, int] = field(default_factory=dict)


def _patterns(names) -> list[tuple[str, re.Pattern]]:
    pats = list(PATTERNS.items())
    names_re = name_pattern(names)
    if names_re is not None:
        pats.append(("name", names_re))
    return pats


def redact_series(texts: pd.Series, names=()) -> Redaction:
    """Redact a Series of free-text answers; returns the texts and counts by kind.

    Each distinct text is redacted once (patterns applied column-wise with pandas) and the
    result broadcast back; counts are per occurrence."""
    codes, uniques = pd.factorize(texts.astype(object).fillna("").to_numpy(dtype=object))
    out = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    times = np.bincount(codes, minlength=len(out)) if len(codes) else np.zeros(0, dtype=np.int64)
    counts: dict[str, int] = {}
    for kind, pattern in _patterns(names):
        found = out.str.count(pattern).to_numpy() if len(out) else np.zeros(0, dtype=np.int64)
        counts[kind] = int((found * times).sum())
        if counts[kind]:
            out = out.str.replace(pattern, TOKENS[kind], regex=True)
    result = out.to_numpy(dtype=object)[codes] if len(codes) else np.array([], dtype=object)
    return Redaction(pd.Series(result, index=texts.index, dtype="str"), counts)


def redact_text(text: str, names=()) -> str:
    """Redact one text (convenience wrapper around :func:`redact_series`)."""
    return str(redact_series(pd.Series([text], dtype=object), names).texts.iloc[0])


def pseudonymous_ids(study_id: str, response_ids: pd.Series) -> pd.Series:
    """Stable pseudonymous ids: ``R`` + 10 hex digits of SHA-256 of ``"<study>:<response id>"``.

    The response ids must be unique.  If two different ids share the first 10 hex
    digits, only the colliding ids are lengthened (to 16, then 64 digits), so ids
    stay unique and every other id stays as it was.  Each id is hashed once (one
    pass; hashing is the only per-row Python work); colliding ids are re-hashed."""
    prefix = f"{study_id}:"
    values = response_ids.astype(str).to_numpy(dtype=object)

    def ids_of(texts, digits: int) -> list[str]:
        return [ID_PREFIX + hashlib.sha256((prefix + v).encode("utf-8")).hexdigest()[:digits] for v in texts]

    ids = pd.Series(ids_of(values, ID_HEX_DIGITS), index=response_ids.index, dtype="str")
    for digits in (16, 64):
        clash = ids.duplicated(keep=False).to_numpy()
        if not clash.any():
            break
        ids[clash] = ids_of(values[clash], digits)
    return ids
