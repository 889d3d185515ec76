"""Step 1: the handlers moved into a dualweb Router, still served by Flask."""
