"""Step 2: FastAPI in front serving the moved routes; the rest still in Flask, behind the bridge."""
