"""Reading content files and checking them into the typed model the templates read."""
