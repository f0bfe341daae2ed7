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
never reaches processed data.  The steps are public for the cleaning step, which
hashes once (:func:`id_digests`), finds repeated response ids from the digests
(:func:`first_duplicate`) and gets the ids with their sorted order from them
(:func:`pseudonyms`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tieval.survey import columns
from tieval.survey.columns import distinct

__all__ = [
    "PATTERNS",
    "Redaction",
    "name_pattern",
    "redact_text",
    "redact_series",
    "Pseudonyms",
    "id_digests",
    "first_duplicate",
    "pseudonyms",
    "pseudonymous_ids",
    "ID_PREFIX",
    "ID_HEX_DIGITS",
]

_HEX = r"[0-9A-Fa-f]{1,4}"

#: Redaction patterns, applied in this order (e-mails before URLs so a mail domain is not a URL).
PATTERNS: dict[str, re.Pattern] = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "url": re.compile(
        r"(?i)\b(?:https?://|ftp://|www\.)(?:[^\s<>\"']*[^\s<>\"'.,;:!?)])?"
        r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|nhs|edu|ac|co|uk|io|info|eu)\b"
        r"(?:/(?:[^\s<>\"']*[^\s<>\"'.,;:!?)])?)?"
    ),
    "ip": re.compile(
        r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]\d)"
        rf"|(?<![\w:])(?:(?:{_HEX}:){{7}}{_HEX}"
        rf"|(?:{_HEX}:){{1,6}}:(?:{_HEX}(?::{_HEX}){{0,5}})?"
        rf"|::(?:{_HEX}:){{0,5}}{_HEX})(?![\w:])"
    ),
    "phone": re.compile(
        r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,4}\)?){2,6}(?!\w)"  # +44 20 7946 0958
        r"|(?<![\w+])\(?0\d{1,4}\)?(?:[ .-]?\d){6,9}(?!\w)"  # 020 7946 0958, 07700 900123
        r"|(?<![\w+])\(\d{3}\) ?\d{3}[ .-]\d{4}(?!\w)"
    ),  # (212) 555-0123
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
    values = texts if isinstance(texts.dtype, pd.StringDtype) else texts.astype(object).fillna("").astype("str")
    codes, uniques = distinct(values.fillna(""))
    out = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    times = np.bincount(codes, minlength=len(out)) if len(codes) else np.zeros(0, dtype=np.int64)
    counts: dict[str, int] = {}
    for kind, pattern in _patterns(names):
        found = out.str.count(pattern).to_numpy() if len(out) else np.zeros(0, dtype=np.int64)
        counts[kind] = int((found * times).sum())
        if counts[kind]:
            out = out.str.replace(pattern, TOKENS[kind], regex=True)
    return Redaction(pd.Series(columns.texts(codes, out.tolist()), index=texts.index), counts)


def redact_text(text: str, names=()) -> str:
    """Redact one text (convenience wrapper around :func:`redact_series`)."""
    return str(redact_series(pd.Series([text], dtype=object), names).texts.iloc[0])


@dataclass
class Pseudonyms:
    """Pseudonymous ids of a set of unique response ids, and the order that sorts them."""

    ids: pd.Series
    order: np.ndarray


def id_digests(study_id: str, response_ids) -> np.ndarray:
    """SHA-256 of ``"<study>:<response id>"`` for each response id: an ``(n, 32)`` array of bytes.

    Hashing is the only per-row Python work of de-identification (about 0.6 s per million ids)."""
    prefix, sha = f"{study_id}:", hashlib.sha256
    values = pd.Series(response_ids).astype(str).to_numpy(dtype=object)
    joined = b"".join([sha((prefix + v).encode("utf-8")).digest() for v in values])
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(values), 32)


def _sorted(digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, keys)``: the order sorting the digests as bytes, and their first 8 bytes as unsigned
    integers in that order (one integer sort; whole digests are compared only if those tie)."""
    keys = np.ascontiguousarray(digests[:, :8]).view(">u8").ravel().astype(np.uint64)
    order = np.argsort(keys)
    ranked = keys[order]
    if len(ranked) > 1 and (ranked[1:] == ranked[:-1]).any():
        words = np.ascontiguousarray(digests).view(">u8").reshape(len(digests), 4).astype(np.uint64)
        order = np.lexsort(words.T[::-1])
        ranked = keys[order]
    return order, ranked


def _runs(ranked: np.ndarray) -> np.ndarray:
    """For sorted keys: whether each shares its value with a neighbour (so with another key)."""
    mark = np.zeros(len(ranked), dtype=bool)
    if len(ranked) > 1:
        same = ranked[1:] == ranked[:-1]
        mark[1:] |= same
        mark[:-1] |= same
    return mark


def first_duplicate(digests: np.ndarray) -> tuple[int, int] | None:
    """``(position, first position)`` of the first row (in row order) whose digest an earlier row
    already has, or ``None`` if all differ.  Compares 64-bit prefixes (one sort), then whole digests."""
    order, ranked = _sorted(digests)
    suspect = np.sort(order[_runs(ranked)])
    seen: dict[bytes, int] = {}
    for pos in suspect.tolist():  # ascending: the first repeat in row order is found first
        key = digests[pos].tobytes()
        if key in seen:
            return pos, seen[key]
        seen[key] = pos
    return None


def _hex_texts(digests: np.ndarray, lengths: np.ndarray):
    """``ID_PREFIX`` + the first ``lengths[i]`` hex digits of each digest, as an Arrow string array
    (built from one byte buffer: no Python string per id)."""
    import pyarrow as pa

    width = int(lengths.max()) if len(lengths) else 0
    nbytes = (width + 1) // 2
    lut = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    prefix = np.frombuffer(ID_PREFIX.encode("ascii"), dtype=np.uint8)
    head = digests[:, :nbytes]
    chars = np.empty((len(digests), len(prefix) + 2 * nbytes), dtype=np.uint8)
    chars[:, : len(prefix)] = prefix
    chars[:, len(prefix) :: 2] = lut[head >> 4]
    chars[:, len(prefix) + 1 :: 2] = lut[head & 15]
    sizes = len(prefix) + lengths.astype(np.int64)
    if (sizes == chars.shape[1]).all():
        data = chars.ravel()
    else:
        data = chars[np.arange(chars.shape[1]) < sizes[:, None]]
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(sizes), pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def pseudonyms(digests: np.ndarray, index=None) -> Pseudonyms:
    """Pseudonymous ids from :func:`id_digests` of unique response ids, and their sorted order.

    An id is ``R`` + the first :data:`ID_HEX_DIGITS` hex digits of its digest.  Ids that share
    those digits are lengthened (to 16, then 64 digits) together, so ids stay unique and every
    other id stays as it was.  Because a group of ids sharing a prefix is lengthened as a whole,
    sorting the ids as text (code-point order) is sorting the digests as bytes: ``order`` is one
    integer sort of the digests' first 8 bytes (whole digests only if those tie)."""
    n = len(digests)
    order, ranked = _sorted(digests)
    # sorted by digest, ids sharing a prefix are neighbours: lengthen each such run as a whole
    lengths = np.full(n, ID_HEX_DIGITS, dtype=np.int64)
    clash = _runs(ranked >> np.uint64(64 - 4 * ID_HEX_DIGITS) if ID_HEX_DIGITS < 16 else ranked)
    if clash.any():
        lengths[order[clash]] = 16
        longest = clash & _runs(ranked)
        lengths[order[longest]] = 64
    ids = pd.Series(pd.array(_hex_texts(digests, lengths), dtype="str"), index=index, copy=False)
    return Pseudonyms(ids, order)


def pseudonymous_ids(study_id: str, response_ids: pd.Series) -> pd.Series:
    """Stable pseudonymous ids: ``R`` + 10 hex digits of SHA-256 of ``"<study>:<response id>"``
    (the response ids must be unique; see :func:`pseudonyms` for how clashing prefixes are lengthened)."""
    return pseudonyms(id_digests(study_id, response_ids), index=response_ids.index).ids
