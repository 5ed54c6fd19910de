"""What students do: attempts, spaced review, progress (services over the database)."""
