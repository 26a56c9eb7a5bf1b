"""Benchmarks: programs that print figures (`ropbot bench`, `ropbot storebench`).

Kept apart from the runtime path: nothing that answers a message imports this package,
except `stats`, which is plain arithmetic shared with `ropbot eval`."""
