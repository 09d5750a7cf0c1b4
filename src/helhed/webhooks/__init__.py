"""Event delivery: subscriptions of integration clients, CloudEvents signed per Standard Webhooks,
retries with backoff, dead letters; the pull feed /api/events (docs/integration.md).
"""
