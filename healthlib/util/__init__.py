"""Small helpers each job uses one of: atomic writes, content digests, the C library."""
