"""Data dialogs: import, export, backup and restore, freeze, audit history, verification, data quality."""
