"""The formats of survey exports, one module each; :mod:`tieval.survey.ingest` is the one entry point.

- :mod:`.sniff`: what a file is, from its first bytes (text and its encoding, a workbook, an SPSS
  file), and a one-line error for files that are not survey exports (Stata, ODS, PDF, ...);
- :mod:`.layouts`: the header rows of every tool (Qualtrics current, 2016-2018 "Insights" and legacy
  exports, SurveyMonkey, Microsoft Forms, Google Forms, other one-row form exports), detected from
  their content, with each tool's identifying and metadata columns;
- :mod:`.sheets`: the cells of an ``.xlsx`` or old ``.xls`` workbook as text;
- :mod:`.spss`: an SPSS ``.sav`` file, its value labels applied and its variable labels read as
  question text;
- :mod:`.qsf`: a Qualtrics survey definition (``.qsf``): questions, answers and recode values (read by
  ``python -m tieval init`` and, as ``survey.definition``, by :mod:`tieval.survey.definition`).
"""
