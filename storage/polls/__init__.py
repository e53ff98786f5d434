"""The poll wing's tables and queries (``models``, ``repository``)."""
