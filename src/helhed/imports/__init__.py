"""Course import from a case-system extract (CSV or XLSX): mapping, dry run, all-or-nothing import
on the worker (docs/integration.md).
"""
