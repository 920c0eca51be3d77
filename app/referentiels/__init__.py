"""Referential data: CSV loading and lookups."""
