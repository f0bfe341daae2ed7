"""Presenting results: notebook display, figures, the study overview and the HTML site."""
