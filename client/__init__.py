"""The `sparsebench` command-line client: talks to a Sparsebench server over HTTP only."""
