"""The pipeline's steps, one module each, in pipeline order.

1. ``overview`` (``notebooks/01_study_overview``): the report, participant flow, qualitative
   sessions, questionnaire and where the report prints its numbers, from ``study.yml``.
2. ``clean`` (``02_clean``): the survey export checked and turned into the processed tables.
3. ``tables`` (``03_tables``): the published survey tables rebuilt, with intervals, full
   distributions, construct scores and figures.
4. ``qualitative`` (``04_qualitative``): codebook, codings, participants, prevalence,
   quotations, cases, words of short answers, agreement between coders.
5. ``triangulation`` (``05_triangulation``): findings with evidence from both strands, the
   joint display, convergence, silence, recommendations.
6. ``audit`` (``06_audit``): every published figure against its reproduction.

Each module offers ``run(study, **parameters) -> <Name>Result``, which reads the step's
inputs and computes everything its appendix shows, writing nothing, and ``write(result) ->
list[Path]``, which writes every file of the step (through :mod:`tieval.store`, atomically)
into :func:`tieval.paths.step_dir`.  A result holds each section of the appendix as a
sequence of display blocks (:mod:`tieval.report.present`) and, in ``notes``, the sentence
shown where a section has nothing to show; the notebook shows each section with
:func:`tieval.report.present.show`.
"""
