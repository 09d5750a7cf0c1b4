"""Course pages, one module per concept: ``caseload``, ``intake``, ``detail`` (the course page),
``without_consent``, ``team`` (status, coordinator, consent, team), ``plan`` (editing the one
shared plan and its versions), ``citizen`` (the citizen's own pages) and ``print`` (per-law print
views).

Thin: reads go through ``selectors`` (the guard: they check access, filter what the reader may
see and write the access log), writes through ``services`` (which check the same rights and run
in one transaction). A service's ``ValidationError`` becomes field errors in the form;
``PermissionDenied`` becomes a 403 page; a plan save based on an older version
(``StalePlanError``) shows the form again with the user's input, what changed meanwhile and the
values stored now, bound to the new version. Forms receive lists from the selectors, never
querysets of personal data (``scripts/check_guard.py``).

CPR numbers are never put in a URL: the search form and the intake form are POSTed. Intake that
finds an active course tells only that one exists and offers to ask its coordinator to join
(``services.request_to_join``) — docs/security.md, "Intake and duplicates".
"""
