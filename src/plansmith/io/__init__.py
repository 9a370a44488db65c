"""Reading and writing plans and results: YAML plan files, JSON results (more formats later)."""
