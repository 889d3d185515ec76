"""dualweb's benchmark suite: the same endpoints on dualweb and its peers."""
