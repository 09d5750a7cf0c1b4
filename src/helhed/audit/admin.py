"""The access log is not in the Django admin (docs/security.md, "The Django admin").

It is personal data: leaders and administrators read their own organisations' entries at
``/adgangslog/`` (``audit.views.supervision``), citizens their own at ``/mig/adgangslog/``.
``tests/core/test_admin_scope.py`` fails if a personal-data model is registered here.
"""
