"""Signals the courses app sends for higher apps (which courses never imports)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the stored data categories of measures changed because a legal basis's category
# changed in the maintained list: ``changed`` maps each measure id to its new category. Apps that
# keep a copy of a measure's category (a recommendation, a handover) bring it up to date.
measures_reclassified = Signal()
