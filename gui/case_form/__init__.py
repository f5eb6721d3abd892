"""The case form: its sections, record tables, and the undo commands that save cases."""
