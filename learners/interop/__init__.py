"""Adapters that expose eqtools games to other libraries."""
