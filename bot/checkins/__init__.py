"""The check-ins feature at the Teams edge: commands, card buttons, the typed dialog's wiring."""
