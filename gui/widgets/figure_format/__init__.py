"""Format figure: the study's figure style, shaped in a dialog whose preview follows each change (shared by
the Analysis and Timeline tabs)."""
