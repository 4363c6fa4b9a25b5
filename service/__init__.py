"""Screening service for the lying knee-to-knee hip mobilization."""

from .app import create_app

__all__ = ["create_app"]
