"""Read models for the GUI and the analysis: case summaries, timelines, data quality."""
