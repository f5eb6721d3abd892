"""Everything that reads or writes the study file (SQLAlchemy over SQLite). No Qt."""
