"""The editors' tools: check, the live preview and its watcher, and the new-condition scaffold."""
