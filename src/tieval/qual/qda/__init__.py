"""Coding-software interchange: REFI-QDA projects (.qdpx), Taguette highlights and QualCoder coded-text CSVs.

Qualitative researchers code in NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette.
This package reads what those programs export into one result type,
:class:`QdaProject`, writes a study's coding as a REFI-QDA project that those
programs import, and converts between a project and the compendium's tidy
tables (``schema.EXCERPTS``, ``schema.CODINGS``, ``schema.CODEBOOK``).

Public API (all paths may be ``str`` or ``Path``)::

    project = read_codings(path, coder="")        # .qdpx/.qde, Taguette CSV/XLSX or QualCoder CSV, by content
    project = read_qdpx(path)                     # REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, QualCoder)
    project = read_taguette(path, coder="")       # Taguette highlights export, CSV or XLSX (= read_taguette_csv)
    project = read_qualcoder_csv(path)            # QualCoder coding report exported as CSV
    write_qdpx(project, path)                     # deterministic .qdpx (byte-identical for the same project)
    data = qdpx_bytes(project)                    # the same bytes, without writing a file
    print(project.summary())                      # "<name>: 5 codes, 2 text sources, 6 codings by 2 coder(s)"

    project = project_from_tables(excerpts, codings, codebook=None, name="...")
    t = tables_from_project(project, codebook=None)   # QdaTables(excerpts, codings, codebook, unmatched)
    t = match_codings(project, excerpts, codebook=None)     # second coder's export -> the study's excerpts
    t = match_codings(project, excerpts, codebook, strict=True)  # InputError (file, row) for the first misfit

:class:`QdaProject` holds DataFrames (every id and text column is a string):

- ``codes``:   code_id, name, parent_id, path ('Theme/Sub-theme'), description, codable
- ``sources``: source_id, name, text, description, then one column per source variable
- ``codings``: coding_id, selection_id, source_id, code_id, start, end, text, coder, note, where
  (``start``/``end``: Unicode code-point offsets into the source text, end exclusive,
  nullable ``Int64``, whatever convention the writing program counted in; empty for CSV
  exports, which carry the highlighted text only; ``where``: the element or row it came from)
- ``cases`` (case_id, name, source_id), ``sets`` (set_id, name, code_id),
  ``issues`` (where, issue): what was read but left out (images, audio, untagged highlights),
  and the offset convention chosen against the writer's usual one, if any.
- ``origin`` (the writing program), ``path`` (the file read), ``offsets`` (the convention
  its selections were counted in, e.g. ``'UTF-16 code units'`` for NVivo).

How the study's tables are laid out in a .qdpx (:func:`project_from_tables`)
-----------------------------------------------------------------------------
Each excerpt (a published quotation) becomes **one TextSource**, named by its
``excerpt_id``, whose text is the quotation.  Its other columns (excerpt_id,
section, source, speaker, timepoint, attribution, and study if present) become
REFI-QDA *source variables* and its ``note`` the source's Description; each
coding becomes a Coding (with the coder as creating User) on one selection
spanning the whole quotation.  Speakers become *Cases* holding their
excerpts, which is how NVivo, ATLAS.ti and MAXQDA group material by person.
We chose one source per excerpt over one source per speaker because REFI-QDA
has no per-selection variables: only a source can carry section, attribution
and note losslessly, and because a second coder's coding anywhere inside an
excerpt's source then maps back to that excerpt unambiguously, whatever span
they select.  Codes are named by their codebook label (what coders see);
``parent`` nests them (a parent that is not itself a code becomes a
non-codable grouping code); ``theme``, ``construct`` and ``subconstruct``
become code Sets named ``"theme: <value>"`` etc.  REFI-QDA has nowhere to
keep a code's id, so :func:`tables_from_project` and :func:`match_codings`
map codes back to ``code_id`` through the study codebook by label path
(``'Parent label/Label'``), then by unique label, then by a name equal to a
``code_id``; without a codebook the code's path is its id.

How codings in an export are tied to excerpts (:func:`match_codings`)
---------------------------------------------------------------------
For each coding, in this order: (1) its source has an ``excerpt_id`` variable
naming an excerpt (our own export, round-tripped through a coding program);
(2) its source is named after an excerpt id; (3) its text equals the text of
exactly one excerpt after whitespace normalisation (Unicode NFC, runs of
whitespace to one space, trimmed); (4) its normalised text lies inside
exactly one excerpt's normalised text.  Anything else -- no excerpt, several
excerpts, or a code missing from the codebook -- is listed in
``QdaTables.unmatched`` with the reason, never silently dropped.
:func:`tables_from_project` instead keeps sources that are not our excerpts
as new excerpts: one per coded selection, ``excerpt_id`` ``'<source>:<start>-<end>'``
(or ``'<source>#<highlight id>'`` for CSV exports), the source's name as attribution.

Modules (this ``__init__`` is the package's interface: it only re-exports them)
-----------------------------------------------------------------------------
- :mod:`~tieval.qual.qda.project`: the result types, column lists, GUIDs, text normalisation.
- :mod:`~tieval.qual.qda.refi`: reading .qdpx/.qde; :mod:`~tieval.qual.qda.offsets`: offset
  conventions (code points, UTF-16, CRLF counted once), writer detection and the evidence check.
- :mod:`~tieval.qual.qda.refi_write`: writing .qdpx (standard code-point offsets, said so in ``origin``).
- :mod:`~tieval.qual.qda.taguette`, :mod:`~tieval.qual.qda.qualcoder`: the CSV/XLSX exports;
  :mod:`~tieval.qual.qda.sheets`: their rows; :mod:`~tieval.qual.qda.read`: :func:`read_codings`.
- :mod:`~tieval.qual.qda.tables`: project <-> tidy tables, matching codings to a study's excerpts.
"""

from __future__ import annotations

from tieval.qual.qda.offsets import READINGS, STANDARD, Reading, writer_of
from tieval.qual.qda.project import (
    CASE_COLUMNS,
    CODE_COLUMNS,
    CODING_COLUMNS,
    ISSUE_COLUMNS,
    NAMESPACE,
    ORIGIN,
    SET_COLUMNS,
    SOURCE_COLUMNS,
    UNMATCHED_COLUMNS,
    QdaProject,
    QdaTables,
    normalise_text,
    stable_guid,
)
from tieval.qual.qda.qualcoder import read_qualcoder_csv
from tieval.qual.qda.read import read_codings
from tieval.qual.qda.refi import read_qdpx, read_qdpx_bytes
from tieval.qual.qda.refi_write import qdpx_bytes, write_qdpx
from tieval.qual.qda.tables import match_codings, project_from_tables, tables_from_project
from tieval.qual.qda.taguette import read_taguette, read_taguette_csv

__all__ = [
    "QdaProject",
    "QdaTables",
    "read_codings",
    "read_qdpx",
    "read_qdpx_bytes",
    "write_qdpx",
    "qdpx_bytes",
    "read_taguette",
    "read_taguette_csv",
    "read_qualcoder_csv",
    "project_from_tables",
    "tables_from_project",
    "match_codings",
    "normalise_text",
    "stable_guid",
    "writer_of",
    "Reading",
    "READINGS",
    "STANDARD",
    "NAMESPACE",
    "ORIGIN",
    "CODE_COLUMNS",
    "SOURCE_COLUMNS",
    "CODING_COLUMNS",
    "CASE_COLUMNS",
    "SET_COLUMNS",
    "ISSUE_COLUMNS",
    "UNMATCHED_COLUMNS",
]
