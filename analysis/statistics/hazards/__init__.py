"""Hazard models and competing-risks tests: Cox (with R's coxph and cox.zph numbers), Gray's test,
Fine–Gray; the design matrix they share; one request for all of them (models) and their words."""
