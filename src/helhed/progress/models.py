"""Models of the progress app."""
