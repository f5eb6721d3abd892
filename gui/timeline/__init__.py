"""The Timeline tab: the patient timeline and the swimmer plot."""
