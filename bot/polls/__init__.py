"""The poll feature at the Teams edge: commands, card buttons, the chart and export links."""
