"""tieval: a reproducible compendium re-running evaluations of trauma-informed workforce programmes.

The package holds all logic; the notebooks in ``notebooks/`` call it and tell
the story.  Modules, in pipeline order:

- ``config``       a study's ``study.yml``: instrument, design, inputs
- ``reconstruct``  stand-in respondent exports rebuilt from published aggregates
- ``ingest``       reading survey exports (Qualtrics CSV, online-form CSV/XLSX)
- ``clean``        validation, exclusions, de-identification, tidy tables
- ``likert``       proportions, Wilson intervals, item distributions, disclosure control
- ``nomad``        NoMAD construct scores and internal consistency
- ``qualitative``  codebook, codings, QDA imports and exports, theme matrices
- ``triangulate``  mixed-methods findings and joint displays
- ``audit``        every published figure against its reproduction
- ``report``       HTML appendices, index, provenance manifest

Support: ``errors`` (the one input-error type), ``paths``, ``store`` (atomic,
reproducible writes), ``schema`` (the data contract between steps).
"""

__version__ = "0.1.0"
