"""De-identification of survey answers: redacting free text, finding identifying columns, and giving
respondents pseudonymous ids.

Free-text answers can name people or carry contact details.  :func:`redact_series`
replaces, in this order, e-mail addresses, URLs, IP addresses (v4 and v6),
telephone numbers (UK national, North American and international forms:
:data:`PATTERNS`), the names a study lists in ``survey.redact_names``, and the
personal names :func:`find_names` detects, with the tokens ``[email]``, ``[url]``,
``[ip]``, ``[phone]`` and ``[name]``.  It counts what it replaced by kind, overall
and per column (the counts are reported; the removed values never are).

Name detection runs offline on word lists of our own (:mod:`tieval.survey.namelists`):
a title-case given name from the list is a name (with the capitalised surname after
it); a capitalised word after a title (``Dr``, ``Mrs``), a role ("my manager",
"our facilitator"), thanks ("thanks to", "thank you") or a naming verb ("called",
"speak to") is a name unless it is a word that never is one (roles, services,
programme words, months, UK places and any ``...shire``); a capitalised run
followed by an organisation or programme word (a hospital or a programme named
after a person: ``<Name> Hospital``, ``<Name> <Name> Programme``) is not a person.  It is tuned for precision on
workforce-evaluation free text; its precision and recall on a test set of our own
are stated in ``tests/test_names.py``.

:func:`identifying_columns` flags text columns that hold e-mail addresses, phone
numbers or personal names (by question text and by a sample of answers), so that
cleaning can keep them out of processed data (:func:`withheld_columns`) unless
``survey.keep_columns`` declares them safe.

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
import pyarrow as pa
import pyarrow.compute as pc

from tieval.survey import columns
from tieval.survey.columns import distinct
from tieval.survey.namelists import AMBIGUOUS_NAMES, ENTITY_HEADS, GIVEN_NAMES, NOT_NAMES, ROLE_CUES, TITLES

__all__ = [
    "PATTERNS",
    "TOKENS",
    "KINDS",
    "Redaction",
    "name_pattern",
    "find_names",
    "redact_names_in",
    "IdentifyingColumn",
    "identifying_columns",
    "withheld_columns",
    "SAMPLE_SIZE",
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
        # international: + or 00, country code, groups; 9 to 15 digits in all (E.164), no more digits after
        r"(?<![\w+])(?=(?:\+|00)(?:[ ().-]{0,2}\d){9,15}(?![ ().-]{0,2}\d))"
        r"(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,5}\)?){1,6}(?!\w)"
        # UK national: 0 + area or mobile prefix (2-4 more digits), groups of 3-7; 10 or 11 digits in all
        r"|(?<![\w+.,/:-])(?=\(?0(?:[ ().-]{0,2}\d){9,10}(?![ ().-]{0,2}\d))"
        r"(?:\(0[1-9]\d{1,3}\)|0[1-9]\d{1,3})(?:[ .-]?\d{3,7}){1,2}(?![\w])"
        # North American: optional 1, area code and exchange NXX (N = 2-9), line number
        r"|(?<![\w+.,/:-])(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-]?)[2-9]\d{2}[ .-]?\d{4}"
        r"(?![\w]|[.,/:-]\d)"
    ),
}

TOKENS = {"email": "[email]", "url": "[url]", "ip": "[ip]", "phone": "[phone]", "name": "[name]"}

#: Kinds of redaction in the per-column report: the patterns, names listed in study.yml, names detected.
KINDS = ("email", "url", "ip", "phone", "name_listed", "name_detected")

ID_PREFIX = "R"
ID_HEX_DIGITS = 10


def name_pattern(names) -> re.Pattern | None:
    """A case-insensitive whole-word pattern for ``names`` (longest first), or ``None`` if there are none."""
    cleaned = sorted({" ".join(str(n).split()) for n in names if str(n).strip()}, key=lambda n: (-len(n), n))
    if not cleaned:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in n.split()) for n in cleaned)
    return re.compile(rf"(?i)(?<!\w)(?:{alternatives})(?!\w)")


# --------------------------------------------------------------------------------------------
# personal names in free text

#: Given names that are names wherever they stand (the ambiguous ones and the never-names removed).
_STRONG = GIVEN_NAMES - AMBIGUOUS_NAMES - NOT_NAMES
_TITLES = frozenset(TITLES)
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
#: A word: letters, with inner hyphens and apostrophes followed by a capital (``Okonkwo-Baptiste``, ``O'Brien``).
_WORD = re.compile(rf"[^\W\d_]+(?:-[^\W\d_]+|['’][{_UPPER}][^\W\d_]*)*")
_ROLE = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in sorted(ROLE_CUES, key=len, reverse=True))
#: Words after which the next capitalised word is a person: a title, a role, thanks, a naming verb.
_CUES = re.compile(
    rf"(?<![\w])(?:(?:{'|'.join(TITLES)})\.?\s+"
    rf"|(?i:(?:my|our|the|his|her|their|a|your)\s+(?:{_ROLE})s?\s*,?\s+)"
    r"|(?i:(?:thanks|thank\s+you|thankyou)(?:\s+(?:so|very)\s+much)?(?:\s+(?:to|again))?\s*,?\s+"
    r"|(?:grateful|thankful)\s+to\s+|(?:shout[- ]?out|credit|kudos)\s+to\s+|well\s+done\s+to\s+)"
    r"|(?i:(?:called|named|ask|asked|speak\s+to|spoke\s+to|talk\s+to|talked\s+to|led\s+by|facilitated\s+by)\s+))"
)


def _is_title(word: str) -> bool:
    """Capitalised and not all capitals (``Word``, ``O'Word``, ``McWord``; not ``NHS``)."""
    return word[:1].isupper() and any(c.islower() for c in word)


def _words_of(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _adjacent(text: str, words, i: int) -> bool:
    """Whether word ``i + 1`` follows word ``i`` after one space (the same name continues)."""
    return i + 1 < len(words) and text[words[i][1] : words[i + 1][0]] == " "


def _surname_like(word: str) -> bool:
    return (
        _is_title(word)
        and word not in NOT_NAMES
        and word not in ENTITY_HEADS
        and word not in _TITLES
        and not word.endswith("shire")
    )


def _run(text: str, words, i: int, *, cued: bool) -> int | None:
    """The last word of the name that starts at word ``i``, or ``None`` if none starts there.

    A strong given name starts one anywhere; an ambiguous one only when ``cued`` or before a
    surname; any other capitalised word only when ``cued``.  The name takes up to two following
    capitalised words (surnames); a run followed by an organisation word is not a person."""
    word = words[i][2]
    if not _is_title(word) or word in NOT_NAMES or word in _TITLES or word.endswith("shire"):
        return None
    strong = word in _STRONG
    nxt = i + 1 if _adjacent(text, words, i) and _surname_like(words[i + 1][2]) else None
    if not (strong or cued or (word in AMBIGUOUS_NAMES and nxt is not None)):
        return None
    if word in ENTITY_HEADS:
        return None
    end = i
    while end - i < 2 and _adjacent(text, words, end) and _surname_like(words[end + 1][2]):
        end += 1
    if _adjacent(text, words, end) and (words[end + 1][2] in ENTITY_HEADS):
        return None  # "<Name> Hospital", "<Name> <Name> Programme": named after a person, not one
    if i > 0 and text[words[i - 1][1] : words[i][0]] == " " and words[i - 1][2] in ("St", "Saint"):
        return None  # "St Helens"
    return end


def find_names(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the likely personal names in ``text``, in order.

    Offline and list-based (see the module docstring): a strong given name with its
    surname; a capitalised word after a cue (title, role, thanks, naming verb), with a
    second name joined by "and" after thanks; an ambiguous given name before a surname."""
    words = _words_of(text)
    if not words:
        return []
    starts = {start: i for i, (start, _, _) in enumerate(words)}
    cued = {starts[m.end()] for m in _CUES.finditer(text) if m.end() in starts}
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i][2] in _TITLES and _CUES.match(text, words[i][0]) and i + 1 < len(words):
            cued.add(i + 1)  # a title after another cue ("my manager, Mrs <Name>")
        end = _run(text, words, i, cued=i in cued)
        if end is None:
            i += 1
            continue
        spans.append((words[i][0], words[end][1]))
        # "thanks to <name> and <name>": the name joined by "and"/"&" after a cued one is cued too
        after = end + 1
        if (
            i in cued
            and after + 1 < len(words)
            and words[after][2] in ("and",)
            and text[words[end][1] : words[after][0]] == " "
        ):
            cued.add(after + 1)
        i = end + 1
    return spans


def redact_names_in(text: str) -> tuple[str, int]:
    """``text`` with the names :func:`find_names` detects replaced by ``[name]``, and how many."""
    spans = find_names(text)
    if not spans:
        return text, 0
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], TOKENS["name"]]
        last = end
    return "".join(parts) + text[last:], len(spans)


# --------------------------------------------------------------------------------------------
# redaction of a column of texts


@dataclass
class Redaction:
    """Redacted texts; how many values of each kind were replaced (``name``, present when names are
    listed or detected, counts the names listed in study.yml and those detected); and, when :func:`redact_series` was given groups, the same
    counts per group (one row per group, one column per :data:`KINDS`, listed and detected names
    apart)."""

    texts: pd.Series
    counts: dict[str, int] = field(default_factory=dict)
    by_group: pd.DataFrame | None = None


def _patterns(names) -> list[tuple[str, re.Pattern]]:
    pats = list(PATTERNS.items())
    names_re = name_pattern(names)
    if names_re is not None:
        pats.append(("name_listed", names_re))
    return pats


def redact_series(texts: pd.Series, names=(), *, detect_names: bool = True, by=None) -> Redaction:
    """Redact a Series of free-text answers; returns the texts and counts by kind.

    Each distinct text is redacted once (patterns applied column-wise with pandas, then
    :func:`redact_names_in` unless ``detect_names`` is off) and the result broadcast back;
    counts are per occurrence.  ``by`` (one label per text, e.g. the question of each answer)
    adds the counts per label (``Redaction.by_group``: column ``group`` then :data:`KINDS`)."""
    values = texts if isinstance(texts.dtype, pd.StringDtype) else texts.astype(object).fillna("").astype("str")
    codes, uniques = distinct(values.fillna(""))
    out = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    times = np.bincount(codes, minlength=len(out)) if len(codes) else np.zeros(0, dtype=np.int64)
    found: dict[str, np.ndarray] = {}
    for kind, pattern in _patterns(names):
        found[kind] = out.str.count(pattern).to_numpy(dtype=np.int64) if len(out) else np.zeros(0, dtype=np.int64)
        if (found[kind] * times).any():
            out = out.str.replace(pattern, TOKENS.get(kind, "[name]"), regex=True)
    if detect_names:
        pairs = [redact_names_in(t) for t in out.tolist()]
        out = pd.Series([t for t, _ in pairs], dtype=object)
        found["name_detected"] = np.array([n for _, n in pairs], dtype=np.int64)
    total = {kind: int((n * times).sum()) for kind, n in found.items()}
    counts = {kind: total[kind] for kind in PATTERNS}
    if "name_listed" in total or total.get("name_detected", 0):  # as before detection: only when there are names
        counts["name"] = total.get("name_listed", 0) + total.get("name_detected", 0)
    by_group = None
    if by is not None:
        group_codes, groups = pd.factorize(pd.Series(by, dtype=object).reset_index(drop=True), sort=False)
        table = {"group": list(groups)}
        for kind in KINDS:
            per_row = found[kind][codes] if kind in found else np.zeros(len(codes), dtype=np.int64)
            table[kind] = np.bincount(group_codes, weights=per_row, minlength=len(groups)).astype(np.int64)
        by_group = pd.DataFrame(table, columns=["group", *KINDS])
    return Redaction(pd.Series(columns.texts(codes, out.tolist()), index=texts.index), counts, by_group)


def redact_text(text: str, names=()) -> str:
    """Redact one text (convenience wrapper around :func:`redact_series`)."""
    return str(redact_series(pd.Series([text], dtype=object), names).texts.iloc[0])


# --------------------------------------------------------------------------------------------
# identifying columns

#: Answers sampled per column to judge what it holds (evenly spaced over the non-empty answers).
SAMPLE_SIZE = 400

_HEADER = {
    "email": re.compile(r"(?i)\be-?mail\b"),
    "phone": re.compile(r"(?i)\b(?:phone|telephone|mobile|tel|contact\s+number)\b"),
    "name": re.compile(
        r"(?i)^\W*(?:full\s+)?name\W*$|\b(?:your|first|last|full|family|given|preferred)\s+names?\b"
        r"|\bsurname\b|\bname\s+(?:and|&)\s+(?:e-?mail|job|role|contact|organisation)"
    ),
    "contact": re.compile(
        r"(?i)\bcontact\s+(?:details|information|info)\b|\bhow\s+(?:can|may|should)\s+we\s+contact\b"
    ),
}
_WORDS_IN = re.compile(r"[^\W\d_]+")
_NAME_VALUE = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:\s+[^\W\d_][^\W\d_'’.-]*){0,3}\.?")
_KIND_WORDS = {
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "name": "personal names",
    "contact": "e-mail addresses, phone numbers or names",
}


@dataclass(frozen=True)
class IdentifyingColumn:
    """A text column that holds identifying values: which ``kind`` (``email``, ``phone``, ``name``,
    ``contact``) and why it was flagged (question text, sampled answers; never the values)."""

    column: str
    kind: str
    reason: str

    @property
    def warning(self) -> str:
        """The warning cleaning gives when it keeps the column out of processed data."""
        return (
            f"column {self.column} kept out of processed data: it appears to hold identifying data "
            f"({self.reason}); if it is safe, list it in survey.keep_columns in study.yml"
        )


def _value_kind(text: str, *, asked_name: bool = False) -> str | None:
    """What one answer is, if it is mostly an identifier: an e-mail, a phone number or a name
    (when the question asks for a name, any one to three capitalised words that are not
    ordinary words count as one)."""
    for kind in ("email", "phone"):
        pattern = PATTERNS[kind]
        if pattern.search(text):
            rest = _WORDS_IN.findall(pattern.sub(" ", text))
            if len(rest) <= 4:
                return kind
    stripped = text.strip()
    if _NAME_VALUE.fullmatch(stripped):
        tokens = stripped.split()
        first = tokens[0].strip(".").capitalize()
        if first in GIVEN_NAMES - NOT_NAMES:
            return "name"
        capitalised = all(_is_title(t) and t not in NOT_NAMES for t in tokens)
        if capitalised and (2 <= len(tokens) <= 3 or (asked_name and len(tokens) == 1)):
            return "name"
    return None


def _sample(column: pd.Series, size: int) -> list[str]:
    """Up to ``size`` non-empty answers, evenly spaced over the column (deterministic)."""
    values = column.astype("str") if not isinstance(column.dtype, pd.StringDtype) else column
    filled = np.flatnonzero((values.fillna("").str.strip() != "").to_numpy(dtype=bool))
    if len(filled) > size:
        filled = filled[np.linspace(0, len(filled) - 1, size).round().astype(np.int64)]
    return values.take(filled).tolist()


def identifying_columns(
    frame: pd.DataFrame, columns=None, questions: dict | None = None, *, sample: int = SAMPLE_SIZE
) -> list[IdentifyingColumn]:
    """The columns of ``frame`` (its text columns unless ``columns`` is given) that hold e-mail
    addresses, phone numbers or personal names, with the reason, in column order.

    A column is flagged when at least half of a sample of its non-empty answers are mostly an
    identifier (an e-mail or phone number with at most four other words, or a personal name:
    one to four words starting with a listed given name, or two or three capitalised words
    that are not ordinary words); or when its id or question text (``questions``) asks for an
    e-mail, phone, name or contact details and a fifth of the sampled answers are identifiers.  Only a sample of ``sample`` evenly spaced
    answers is read, so a column of a million answers costs one pass to find the non-empty ones."""
    questions = questions or {}
    if columns is None:
        columns = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype) or frame[c].dtype == object]
    flagged = []
    for column in columns:
        values = _sample(frame[column], sample)
        if not values:
            continue
        header = f"{column} {questions.get(column, '')}"
        asked = next((kind for kind, pattern in _HEADER.items() if pattern.search(header)), None)
        hits = [k for k in (_value_kind(v, asked_name=asked == "name") for v in values) if k is not None]
        share = len(hits) / len(values)
        if share < 0.5 and not (asked and share >= 0.2):
            continue
        kind = hits[0] if len(set(hits)) == 1 else "contact"
        parts = []
        if asked:
            shown = questions.get(column) or column
            parts.append(f"its question {' '.join(str(shown).split())[:80]!r} asks for {asked} details")
        parts.append(f"{len(hits)} of {len(values)} sampled answers are {_KIND_WORDS[kind]}")
        flagged.append(IdentifyingColumn(str(column), kind, "; ".join(parts)))
    return flagged


def withheld_columns(export, study) -> list[IdentifyingColumn]:
    """The free-text columns of ``export`` that cleaning keeps out of processed data: those
    :func:`identifying_columns` flags, less those ``survey.keep_columns`` in study.yml declares
    safe (by column id or free-text question id)."""
    spec = getattr(study, "survey", None)
    keep = {str(c).casefold() for c in (getattr(spec, "keep_columns", ()) or ())}
    text_columns = {column: fid for fid, column in export.free_text_columns.items()}
    flagged = identifying_columns(export.frame, list(text_columns), export.questions)
    return [f for f in flagged if f.column.casefold() not in keep and text_columns[f.column].casefold() not in keep]


@dataclass
class Pseudonyms:
    """Pseudonymous ids of a set of unique response ids, and the order that sorts them."""

    ids: pd.Series
    order: np.ndarray


def id_digests(study_id: str, response_ids) -> np.ndarray:
    """SHA-256 of ``"<study>:<response id>"`` for each response id: an ``(n, 32)`` array of bytes.

    Hashing is the only per-row Python work of de-identification: the prefixed ids are joined and
    UTF-8 encoded by Arrow in one pass, so the loop only hashes bytes (about 1 s per million ids)."""
    ids = pa.array(pd.Series(response_ids).astype(str), type=pa.large_string())
    text = pa.large_string()
    joined = pc.binary_join_element_wise(pa.scalar(f"{study_id}:", text), ids, pa.scalar("", text))
    sha = hashlib.sha256
    digests = b"".join([sha(v).digest() for v in joined.cast(pa.large_binary()).to_pylist()])
    return np.frombuffer(digests, dtype=np.uint8).reshape(len(ids), 32)


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
