"""The survey path: reading exports, cleaning, de-identification, counts, tables and scores."""
