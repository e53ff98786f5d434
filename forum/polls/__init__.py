"""The feedback poll wing: definitions, answers (anonymous with a minimum group size),
closing, results, comparison with an earlier round, and the export for the report."""
