"""Invented personal names the stand-in generators write into identifying columns.

The reconstruction (:mod:`tieval.tools.reconstruct`) and the benchmark's synthetic export
(:mod:`tieval.tools.bench`) fill the exports' name columns (``RecipientFirstName`` ...) with these,
so that the pipeline's refusal to read identifying columns is exercised on values that look real.
They are identifying values as far as the outputs are concerned: this module's source page in the
published site names the file but does not reproduce it (``tieval.report.site.sources.NAME_LISTS``),
so none of them appears in any output.
"""

from __future__ import annotations

__all__ = ["INVENTED_FIRST_NAMES", "INVENTED_LAST_NAMES"]

#: First names, in the order the generators draw them by index (the order fixes their output bytes).
INVENTED_FIRST_NAMES = (
    "Alex",
    "Sam",
    "Jordan",
    "Priya",
    "Chris",
    "Morgan",
    "Aisha",
    "Tom",
    "Hannah",
    "Ravi",
    "Ellie",
    "Jamie",
    "Fatima",
    "Owen",
    "Grace",
    "Dan",
    "Leah",
    "Marcus",
    "Zoe",
    "Imran",
)
#: Last names, in the order the generators draw them by index.
INVENTED_LAST_NAMES = (
    "Smith",
    "Patel",
    "Jones",
    "Taylor",
    "Brown",
    "Khan",
    "Williams",
    "Evans",
    "Hughes",
    "Ahmed",
    "Walker",
    "Wright",
    "Green",
    "Hall",
    "Clarke",
    "Lewis",
    "Young",
    "King",
)
