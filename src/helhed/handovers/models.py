"""Models of the handovers app."""
