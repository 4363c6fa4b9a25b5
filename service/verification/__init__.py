"""Offline proof of the rulebook over the whole answer space (never imported by the web layer)."""

from .report import Failure, Report
from .run import main, verify

__all__ = ["Failure", "Report", "main", "verify"]
