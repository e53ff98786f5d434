"""The check-ins wing's tables and queries (``models``, ``repository``)."""
