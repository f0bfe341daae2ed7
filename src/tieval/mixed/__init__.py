"""Mixed methods: triangulation of survey and qualitative findings, and recommendations."""
