"""System clients of other organisations' systems: scoped, expiring, rotated credentials that act
as the organisation's system user through the same guard and access log (docs/integration.md).
"""
