"""Plansmith: technical project management with plans as code.

The package is layered (see docs/architecture.md); lower layers never import higher ones:
``domain`` <- ``scheduling`` <- ``analytics`` <- (``io``, ``reports``, ``storage``) <- ``services``
<- (``api``, ``web``, ``cli``).
"""

__version__ = "0.1.0"
