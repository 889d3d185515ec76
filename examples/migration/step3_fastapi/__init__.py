"""Step 3: the migration done, the same dualweb Router mounted on FastAPI."""
