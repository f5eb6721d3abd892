"""Data in: the import of flat and long files, column and value mapping, numbered records, dose cells."""
