"""Pure value objects of the project model: no I/O, no third-party imports."""
