"""The PySide6 interface: one package per feature, the shell that holds them, shared widgets."""
