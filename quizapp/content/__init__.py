"""Course content: seeds to articles and passages (pure), the loader, read queries."""
