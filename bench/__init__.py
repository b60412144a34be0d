"""`make bench`: the real stack under load on this machine; see bench/results.md."""
