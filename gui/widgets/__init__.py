"""Widgets shared by the features: typed form fields and the window interface they talk to."""
