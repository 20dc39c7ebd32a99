"""The Sparse Frontier's long-context tasks: generators, closed tokenizer, scorers (pure Python)."""
