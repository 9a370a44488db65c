"""Reserved layer: the web app; see docs/architecture.md."""
