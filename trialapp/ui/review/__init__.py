"""The dose-response review across trials (RULES.md R15): its window and its plots."""

from trialapp.ui.review.window import ReviewWindow

__all__ = ["ReviewWindow"]
