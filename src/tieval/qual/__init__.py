"""The qualitative path: codebook, codings, analysis tables, inter-coder agreement, QDA interchange."""
