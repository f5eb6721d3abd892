"""The main window, its menus, start-up, opening a database, settings and the lazily built tabs."""
