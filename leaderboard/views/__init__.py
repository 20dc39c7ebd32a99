"""Server-rendered portal pages, one module per area (benchmarks, submissions, accounts)."""
