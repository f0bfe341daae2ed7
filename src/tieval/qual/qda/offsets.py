"""Offset conventions of REFI-QDA text selections, the writer of a project, and which convention it used.

REFI-QDA (Project.xsd, 2019) gives ``PlainTextSelection`` ``startPosition`` and
``endPosition`` as character positions in the source's plain text, counted in
Unicode code points, end exclusive.  Programs that write the format count in
different units, and the difference shows only after some characters:

=========================  ============================  ===================================
writer (``origin``)        unit                          a CRLF line end counts
=========================  ============================  ===================================
NVivo                      UTF-16 code units (.NET)      2 (QualCoder's importer pads it)
ATLAS.ti                   code points                   1 (QualCoder: "Atlas stored correct
                                                         positions as though \\n")
MAXQDA                     code points                   1 (QualCoder's export offers CRLF
                                                         files "for MAXQDA importation")
QualCoder, tieval, other   code points (the standard)    2 (as stored)
=========================  ============================  ===================================

A UTF-16 count differs from a code-point count after every character outside the
Basic Multilingual Plane (emoji, some CJK): each adds one unit, so every coding after
the first emoji of a source is shifted.  A CRLF counted once differs after every
Windows line end.  :class:`Reading` is one such convention; :data:`READINGS` lists the
four (unit x line end).

:func:`resolve_readings` chooses the reading of a whole project in two independent
ways and reconciles them:

1. **The writer** (:func:`writer_of`): the project's ``origin`` attribute names the
   program (``"NVivo 14"``, ``"NVivo for Windows 12.6"``, ``"ATLAS.ti Win 23.4.0"``,
   ``"MAXQDA 2020 (Release 20.2.1)"``, ``"QualCoder 3.6"``); its usual convention is
   the expected reading.  An unknown or missing origin expects the standard.
2. **The evidence**: for the selections whose text differs between readings, each
   reading is scored by (a) whether the selection's ``name`` -- where a writer stores the
   selected text there (QualCoder always; others sometimes, possibly truncated) -- equals
   the text cut, and (b) whether both ends fall on word boundaries and never inside a
   character (a surrogate pair, a letter and its combining mark, an emoji sequence, a
   CRLF pair).

A reading *fits* when no end splits a character and no text-bearing name disagrees.
The expected reading is kept when it fits and no other reading has better evidence; a
different reading is taken only when it alone has the best evidence and that evidence
is clean (every end on a boundary, or names confirming it) -- the choice is then listed
in the project's issues.  When no reading fits, or the evidence cannot decide against
an expected reading that does not fit, :class:`~tieval.errors.InputError` names the
file, the first selection at fault and what each reading cuts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tieval.errors import InputError
from tieval.qual.qda.project import normalise_text

__all__ = ["Reading", "READINGS", "STANDARD", "Writer", "writer_of", "Selection", "resolve_readings"]


@dataclass(frozen=True)
class Reading:
    """One offset convention: the unit counted and whether a CRLF pair counts as one."""

    utf16: bool  #: count UTF-16 code units (a character outside the BMP counts 2)
    crlf_one: bool  #: a "\\r\\n" pair counts as one position (as if the file had "\\n")

    @property
    def name(self) -> str:
        """E.g. ``'UTF-16 code units'`` or ``'code points, CRLF as one'``."""
        unit = "UTF-16 code units" if self.utf16 else "code points"
        return unit + (", CRLF as one" if self.crlf_one else "")

    def positions(self, text: str) -> list[int | None]:
        """For each offset 0..N in this convention, the code-point index into ``text`` it means.

        ``None`` marks an offset no writer using this convention can produce (inside a
        surrogate pair).  Under ``crlf_one`` the offset before a CRLF pair maps to the
        ``\\r`` and the one after it past the ``\\n``.
        """
        out: list[int | None] = [0]
        n = len(text)
        for i, ch in enumerate(text):
            if self.crlf_one and ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                continue  # the pair counts once: through its "\n"
            if self.utf16 and ord(ch) > 0xFFFF:
                out.append(None)
            out.append(i + 1)
        return out


#: The standard's convention, and what tieval writes.
STANDARD = Reading(utf16=False, crlf_one=False)
#: Every convention considered, standard first.
READINGS = (
    STANDARD,
    Reading(utf16=True, crlf_one=False),
    Reading(utf16=False, crlf_one=True),
    Reading(utf16=True, crlf_one=True),
)


@dataclass(frozen=True)
class Writer:
    """The program that wrote a project, as far as its metadata tells."""

    name: str  #: 'NVivo', 'ATLAS.ti', 'MAXQDA', 'QualCoder', 'tieval' or '' (unknown)
    reading: Reading  #: its usual offset convention
    names_are_text: bool  #: its PlainTextSelection names hold the selected text


_WRITERS = (
    ("nvivo", Writer("NVivo", Reading(utf16=True, crlf_one=False), False)),
    ("atlas", Writer("ATLAS.ti", Reading(utf16=False, crlf_one=True), False)),
    ("maxqda", Writer("MAXQDA", Reading(utf16=False, crlf_one=True), False)),
    ("qualcoder", Writer("QualCoder", STANDARD, True)),
    ("tieval", Writer("tieval", STANDARD, False)),
)


def writer_of(origin: str) -> Writer:
    """The writer named by a project's ``origin`` attribute (case-insensitive substring).

    >>> writer_of("NVivo for Windows 12.6").reading.name
    'UTF-16 code units'
    """
    folded = (origin or "").casefold()
    for key, writer in _WRITERS:
        if key in folded:
            return writer
    return Writer("", STANDARD, False)


@dataclass(frozen=True)
class Selection:
    """A PlainTextSelection as read: its source text, offsets as written and its name."""

    guid: str
    source: int  #: index into the list of source texts
    start: int
    end: int
    name: str = ""


# ---- character and word boundaries -----------------------------------------------------------

_JOINERS = {"\u200d", "\u200c", "\u034f"}


def _is_modifier(ch: str) -> bool:
    """Combining marks, variation selectors, emoji skin tones and tags: never the start of a character."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _splits_character(text: str, p: int) -> bool:
    """Whether code-point index ``p`` falls inside a user-perceived character."""
    if p <= 0 or p >= len(text):
        return False
    before, after = text[p - 1], text[p]
    if before == "\r" and after == "\n":
        return True
    if _is_modifier(after) or after in _JOINERS or before in _JOINERS:
        return True
    if _is_regional(before) and _is_regional(after):
        run = 0
        while p - 1 - run >= 0 and _is_regional(text[p - 1 - run]):
            run += 1
        return run % 2 == 1  # inside a flag: an odd number of indicators before p
    return False


def _wordlike(ch: str) -> bool:
    """A letter or digit of a script that separates words with spaces (not CJK)."""
    return ch.isalnum() and unicodedata.east_asian_width(ch) not in ("W", "F")


def _mid_word(text: str, p: int) -> bool:
    """Whether code-point index ``p`` cuts a word (letters or digits on both sides)."""
    if p <= 0 or p >= len(text):
        return False
    before = p - 1
    while before > 0 and _is_modifier(text[before]):
        before -= 1  # a letter with combining marks is still a letter
    return _wordlike(text[before]) and _wordlike(text[p])


def _name_says(name: str, cut: str) -> bool | None:
    """True/False when ``name`` reads as the selected text and does/does not equal ``cut``; None for a label."""
    label = normalise_text(name)
    for tail in ("...", "\u2026"):
        label = label.removesuffix(tail).rstrip()
    if not label:
        return None
    whole = normalise_text(cut)
    if label == whole:
        return True
    if len(label) >= 10 and whole.startswith(label):
        return True  # a name truncated by the writer
    return False


def _snippet(text: str, limit: int = 28) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 3] + "...")


# ---- choosing the reading ----------------------------------------------------------------------


@dataclass
class _Score:
    reading: Reading
    spans: list[tuple[int, int] | None]
    name_hits: int = 0
    name_misses: int = 0
    splits: int = 0
    mid_words: int = 0

    @property
    def fits(self) -> bool:
        return self.name_misses == 0 and self.splits == 0

    @property
    def clean(self) -> bool:
        return self.fits and (self.mid_words == 0 or self.name_hits > 0)

    @property
    def key(self) -> tuple[int, int]:
        return (self.name_hits, -self.mid_words)


def resolve_readings(
    texts: list[str], selections: list[Selection], origin: str, path: str | Path
) -> tuple[Reading, list[tuple[int, int]], str]:
    """The reading of a project's selections and each selection's code-point span.

    Returns ``(reading, spans, note)``: ``spans[i]`` is ``(start, end)`` in code points of
    ``texts[selections[i].source]``; ``note`` is empty unless the evidence overruled the
    writer's usual convention (then it says so, for the project's issues).  Raises
    :class:`InputError` when a selection lies outside its text in every reading, or when
    no reading fits (see the module docstring).
    """
    writer = writer_of(origin)
    maps: dict[tuple[Reading, int], list[int | None]] = {}
    scores: list[_Score] = []
    for reading in READINGS:
        spans: list[tuple[int, int] | None] = []
        for sel in selections:
            key = (reading, sel.source)
            if key not in maps:
                maps[key] = reading.positions(texts[sel.source])
            pos = maps[key]
            ok = 0 <= sel.start <= sel.end < len(pos)
            a, b = (pos[sel.start], pos[sel.end]) if ok else (None, None)
            spans.append((a, b) if a is not None and b is not None else None)
        if all(s is not None for s in spans):
            scores.append(_Score(reading, spans))
    if not scores:
        _raise_out_of_range(texts, selections, writer, path)

    # Readings that cut every selection alike are one reading: keep the first (standard first).
    distinct: list[_Score] = []
    for score in scores:
        if not any(score.spans == other.spans for other in distinct):
            distinct.append(score)
    expected = next((s for s in distinct if s.spans == _spans_of(scores, writer.reading)), None)

    differing = [i for i in range(len(selections)) if len({s.spans[i] for s in distinct}) > 1]
    checked = differing if len(distinct) > 1 else []
    named = range(len(selections)) if writer.names_are_text else checked
    for score in distinct:
        _score(score, texts, selections, checked, named, writer.names_are_text)

    fitting = [s for s in distinct if s.fits]
    best = max((s.key for s in fitting), default=None)
    leaders = [s for s in fitting if s.key == best]
    if expected is not None and expected.fits and expected.key == best:
        chosen, note = expected, ""
    elif len(leaders) == 1 and leaders[0].clean:
        chosen = leaders[0]
        told = f"origin {origin!r} implies {writer.reading.name}" if writer.name else "the standard says code points"
        note = (
            f"offsets read as {chosen.reading.name} although {told}: "
            "only that reading puts the selections on word boundaries"
            + (" and matches their stored text" if chosen.name_hits else "")
        )
    elif expected is not None and expected.fits:
        chosen, note = expected, ""
    else:
        _raise_unfit(texts, selections, distinct, expected, checked, writer, path)
    return chosen.reading, [s for s in chosen.spans if s is not None], note


def _spans_of(scores: list[_Score], reading: Reading):
    return next((s.spans for s in scores if s.reading == reading), None)


def _score(score: _Score, texts, selections, checked, named, names_are_text: bool) -> None:
    named = set(named)
    for i in sorted(set(checked) | named):
        sel, (a, b) = selections[i], score.spans[i]
        text = texts[sel.source]
        if i in checked:
            score.splits += _splits_character(text, a) + _splits_character(text, b)
            score.mid_words += (a != b) * (_mid_word(text, a) + _mid_word(text, b))
        if i in named:
            says = _name_says(sel.name, text[a:b])
            if says is True:
                score.name_hits += 1
            elif says is False and (names_are_text or _name_is_text_somewhere(sel, texts, score)):
                score.name_misses += 1


def _name_is_text_somewhere(sel: Selection, texts, score: _Score) -> bool:
    """Whether a name (of a writer that does not always store text) equals the text in some reading."""
    text = texts[sel.source]
    for reading in READINGS:
        pos = reading.positions(text)
        if 0 <= sel.start <= sel.end < len(pos) and pos[sel.start] is not None and pos[sel.end] is not None:
            if _name_says(sel.name, text[pos[sel.start] : pos[sel.end]]):
                return True
    return False


def _raise_out_of_range(texts, selections, writer: Writer, path) -> None:
    """InputError for the first selection outside its text in every reading (or, failing one, the first)."""

    def inside(sel: Selection, reading: Reading) -> bool:
        pos = reading.positions(texts[sel.source])
        return 0 <= sel.start <= sel.end < len(pos) and pos[sel.start] is not None and pos[sel.end] is not None

    for sel in selections:
        if not any(inside(sel, r) for r in READINGS):
            text = texts[sel.source]
            units = len(text.encode("utf-16-le")) // 2
            raise InputError(
                path,
                f"0 <= startPosition <= endPosition <= {len(text)} (its source's length in code points; "
                f"{units} in UTF-16 code units)",
                column=f"PlainTextSelection {sel.guid}",
                found=f"{sel.start}-{sel.end}",
            )
    sel = selections[0]
    raise InputError(
        path,
        "selections that all lie inside their source texts in one offset convention",
        column=f"PlainTextSelection {sel.guid}",
        found=f"{sel.start}-{sel.end}",
    )


def _raise_unfit(texts, selections, distinct, expected, checked, writer: Writer, path) -> None:
    """InputError naming the first selection that the expected (or first) reading cuts wrongly."""
    blame = expected or distinct[0]
    index = next(
        (
            i
            for i in (checked or range(len(selections)))
            if _fault(texts[selections[i].source], blame.spans[i], selections[i], writer)
        ),
        (checked or [0])[0],
    )
    sel = selections[index]
    text = texts[sel.source]
    by_cut: dict[str, list[str]] = {}
    for s in distinct:
        a, b = s.spans[index]
        by_cut.setdefault(_snippet(text[a:b]), []).append(s.reading.name)
    cuts = "; ".join(f"as {' or '.join(names)} it cuts {cut}" for cut, names in by_cut.items())
    fault = _fault(text, blame.spans[index], sel, writer) or "no reading is better than another"
    raise InputError(
        path,
        f"offsets that cut the text where {writer.name or 'the writer'} meant in one reading ({cuts})",
        column=f"PlainTextSelection {sel.guid}",
        found=f"neither fits: {fault}",
    )


def _fault(text: str, span: tuple[int, int], sel: Selection, writer: Writer) -> str:
    a, b = span
    if _splits_character(text, a) or _splits_character(text, b):
        return "an end splits a character"
    if _name_says(sel.name, text[a:b]) is False and (writer.names_are_text or len(normalise_text(sel.name)) >= 10):
        return f"its name is {sel.name[:40]!r}"
    if _mid_word(text, a) or _mid_word(text, b):
        return "an end falls inside a word"
    return ""
