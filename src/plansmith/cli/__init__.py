"""The command line: a thin face over plansmith.services."""
