"""Endpoints, Kaplan–Meier, log-rank, competing risks, proportions and tables: numbers, never drawing."""
