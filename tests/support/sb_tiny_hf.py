"""A tiny randomly initialised transformers Llama saved to disk, for the frontier adapter's tests."""

from __future__ import annotations

import collections

import torch

from evaluator.benchmarks.frontier.registry import sample_make

SPECIAL = ["<unk>", "<s>", "</s>", "<answer>", "</answer>"]


def tiny_model_save(path, *, vocab_words: int = 400, positions: int = 2048, seed: int = 0) -> None:
    """A 2-layer GQA Llama with random weights and a word-level tokenizer over the commonest words of a
    frontier prompt, saved with save_pretrained to ``path``."""
    import tokenizers
    import transformers

    text = sample_make(task="ruler_niah", index=0, seed=5, length=1024).prompt
    pre = tokenizers.pre_tokenizers.Whitespace()
    common = collections.Counter(w for w, _ in pre.pre_tokenize_str(text)).most_common(vocab_words)
    vocab = {w: i for i, w in enumerate(SPECIAL + [w for w, _ in common if w not in SPECIAL])}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre
    tok.decoder = tokenizers.decoders.WordPiece()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>",
                                                eos_token="</s>")  # fmt: skip
    config = transformers.LlamaConfig(
        vocab_size=len(vocab), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=positions,
        bos_token_id=1, eos_token_id=2,
    )  # fmt: skip
    torch.manual_seed(seed)
    transformers.LlamaForCausalLM(config).save_pretrained(path)
    fast.save_pretrained(path)
