"""Data in and out: the flat case template, table files, import, export, de-identification."""
