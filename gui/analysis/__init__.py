"""The Analysis tab: its views and the worker that computes off the GUI thread."""
