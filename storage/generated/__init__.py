"""Generated data: the demo cohort and synthetic cohorts for the benchmarks."""
