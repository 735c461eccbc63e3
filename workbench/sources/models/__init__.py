"""Typed answers of each API (pydantic; unknown fields kept)."""
