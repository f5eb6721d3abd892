"""The case list: its table model, row texts and type-to-filter."""
