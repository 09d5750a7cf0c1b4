"""The outbox: an event row written in the same transaction as the change it records (new handover,
decision, consent given or withdrawn, plan changed, course closed); delivered by helhed.webhooks
and read by the pull feed (docs/integration.md).
"""
