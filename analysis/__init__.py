"""Pure statistics layer (no Qt, no database)."""
