"""tieval: a reproducible compendium re-running evaluations of trauma-informed workforce programmes.

The package holds all logic; the notebooks in ``notebooks/`` call it and tell
the story.  Modules, in pipeline order:

- ``config``        a study's ``study.yml``: instrument, design, inputs
- ``published``     the report's printed numbers (``published/figures.csv``)
- ``overview``      design, participant flow and instrument tables
- ``rounding``      which counts and denominators rounded percentages allow
- ``reconstruct``   stand-in respondent exports rebuilt from published aggregates
- ``ingest``        reading survey exports (Qualtrics CSV current/legacy, form CSV/XLSX)
- ``clean``         validation, exclusions, participant flow, tidy tables
- ``redact``        de-identification of free text, pseudonymous ids
- ``survey.counts``, ``survey.intervals``, ``survey.published_tables``, ``survey.matching``:
                    item cells, Wilson intervals, published tables rebuilt and matched
- ``survey.scores`` construct scores and Cronbach's alpha
- ``disclosure``    small-cell suppression (primary and secondary)
- ``figures``       diverging bars, histograms, word charts
- ``words``         word frequencies of short free-text answers
- ``qualitative``   codebook, codings, theme matrices, participants, cases
- ``qda``           REFI-QDA (.qdpx), Taguette and QualCoder imports and exports
- ``agreement``     Cohen's kappa between two coders
- ``triangulate``   mixed-methods findings, silence detection, joint displays
- ``audit``         every published figure against its reproduction, consistency checks
- ``report``        HTML appendices, index, provenance manifest
- ``bench``         the survey-path benchmark (``make bench``)

Support: ``errors`` (the one input-error type), ``paths``, ``store`` (atomic,
reproducible writes and provenance), ``schema`` (the data contract between
steps), ``integrity`` (raw-data checksums), ``present`` (notebook frame),
``pipeline`` (running a step), ``warm`` (steps and kernels forked from a warm
server), ``template`` (``make new-study``).
"""

__version__ = "0.1.0"
