"""Step 0: the bookstore as a plain Flask application (before the migration)."""
