"""Use cases: what the faces (CLI, API, web) call. They own transactions and permissions."""
