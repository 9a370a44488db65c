"""Reserved layer; see docs/architecture.md."""
