"""Data safety: audit trail, verification, backup and restore, the lock, data freezes."""
