"""The model rendered to pages and what hosts, search engines and printers need."""
