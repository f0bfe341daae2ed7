"""Tools around the pipeline (reconstruction, benchmark, new-study template); the pipeline imports none of them."""
