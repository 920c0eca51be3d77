"""Domain operations: one module per domain; each owns its transaction."""
