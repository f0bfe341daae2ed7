"""The audit: every published figure against its reproduction, and the report against itself."""
