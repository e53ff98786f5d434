"""The poll's cards: the channel card (shared and each person's), the preview, results, export, list."""
