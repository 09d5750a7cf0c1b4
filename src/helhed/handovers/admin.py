"""Handovers and institutional stays are not in the Django admin (docs/security.md, "The Django
admin"): they are read and answered on the course pages, where the course guard decides what a
reader may see and every read is logged. ``tests/core/test_admin_scope.py`` fails if a
personal-data model is registered here.
"""
