"""Data out: the flat and long exports, their file writers, de-identification and its identifier scan."""
