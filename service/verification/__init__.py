"""Offline proof of the rulebook over the whole answer space (never imported by the web layer)."""
