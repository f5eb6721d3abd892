"""Drawing on a given matplotlib Axes: survival and incidence figures, the timeline, the PDF report."""
