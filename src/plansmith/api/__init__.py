"""Reserved layer: the REST API (FastAPI); see docs/architecture.md."""
