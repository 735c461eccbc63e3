"""API records to canonical frames to disk: schemas, normalizers, the store and sync."""
