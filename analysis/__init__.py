"""Statistics and their figures: no Qt, no session (data comes in as plain summaries)."""
