"""Async clients for the four feedback APIs (httpx; pydantic models; no polars, no Textual)."""
