"""The whole-surface authorisation test (``tests/test_whole_surface.py``), in parts:

* ``world`` — worlds as plain data (hypothesis strategies) and their rows in the database;
* ``oracle`` — docs/security.md's rules restated over the plain data, apart from the selectors;
* ``surface`` — every URL pattern: what each request shows and what it must do, and the patterns
  that show no personal data (with the reason);
* ``counting`` — the number of checked cases, printed at the end of the run.
"""
