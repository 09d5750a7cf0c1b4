"""The benchmarks' own datasets and their raw-SQL counterparts, one module per app."""
