"""How the model answers a sample: the fixed words the harness writes, and what the model generates.

The model is a retrieval model, not a language model: the harness writes the fixed words of an answer
and the model generates only the content by greedy decoding, every token read through attention.
Nothing here looks at a sample's gold answer.

  ruler_niah  forced "<answer>", then per queried key (the keys of the question, `Sample.queries`)
              "n. The answer for KEY is:"; the model writes the value, up to "." or a newline.
  ruler_vt    forced "VALUE<answer>" (the value of the question, outside the answer block), then
              name after name: the model writes up to NAME_TOKENS letters, and a line break is forced
              after each name; the list ends when the model writes something other than a letter
              where a name should start (that token is not kept), or after MAX_NAMES names.
  ruler_cwe   forced "<answer>", then per line "n." (n = 1..10); the model writes one word (the list's
              words are single tokens), and a line break is forced after it.
  story_retrieval  forced "<answer>", then per question (its chapter and kind, `Sample.queries`, restate
              the question) the line "Chapter N: KIND" (KIND: place, person or item; the harness's
              scorer reads numbered lines only) and "i."; the model writes the answer's words (one for
              a place or a person, three for an item: adjective, material, kind), then a line break.
  story_multihop  forced "Before X<answer>" (X: the item of the question, `Sample.queries`, restated
              outside the answer block); the model writes the three words of the item bought in the
              chapter before X's (multihop.py: X's chapter, the chapter before, its purchase), then
              "</answer>" is forced.
  any other   forced "<answer>"; the model writes up to `FREE_TOKENS` tokens, up to "</answer>"
              then "</answer>" (an unsupported task: its score measures what the model does).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..cwe import NUM_COMMON
from ..sample import Sample
from .wired import Attention, WiredModel, attention_dense

#: Tasks the model is wired to solve; the others are still run and scored, with the free protocol.
SUPPORTED_TASKS = ("ruler_niah", "ruler_vt", "ruler_cwe", "story_retrieval", "story_multihop")
#: Most tokens generated for one NIAH value (a value is 19 tokens, then "." and a space before it).
VALUE_TOKENS = 24
#: Most tokens generated in the free protocol of an unsupported task.
FREE_TOKENS = 48
#: Most letters of one VT name (the task's names have 5), and most names in one VT answer.
NAME_TOKENS, MAX_NAMES = 5, 16
#: Words of a story item (adjective, material, kind): the multihop answer.
ITEM_WORDS = 3
#: The kind word of the story_retrieval cue line and the answer's word count, per question kind.
STORY_KINDS = {"location": ("place", 1), "character": ("person", 1), "item": ("item", 3)}


@dataclass(frozen=True)
class Step:
    """One step of an answer: `force` text the harness writes, or generate up to `tokens` tokens.

    Generation stops after a token whose text is in `stops` (that token is kept). With `names`, the
    step is the VT name list (see the module docstring) instead.
    """

    force: str = ""
    tokens: int = 0
    stops: tuple[str, ...] = ()
    names: bool = False


@dataclass(frozen=True)
class Answer:
    """The reply text (forced and generated, after the prompt) and how many tokens the model generated."""

    text: str
    generated: int


def answer_steps(*, sample: Sample) -> tuple[Step, ...]:
    """The steps of `sample`'s answer (see the module docstring)."""
    if sample.task == "story_multihop":
        return (Step(force=f"\nBefore {sample.queries[0]}<answer>\n"), Step(tokens=ITEM_WORDS),
                Step(force="\n</answer>"))
    steps = [Step(force="\n")] if sample.task == "ruler_vt" else [Step(force="\n<answer>\n")]
    if sample.task == "ruler_niah":
        for number, key in enumerate(sample.queries, start=1):
            steps.append(Step(force=f"{number}. The answer for {key} is:"))
            steps.append(Step(tokens=VALUE_TOKENS, stops=(".", "\n")))
            steps.append(Step(force="\n"))
        steps.append(Step(force="</answer>"))
    elif sample.task == "story_retrieval":
        for number, query in enumerate(sample.queries, start=1):
            kind, chapter = query.split(":")
            word, count = STORY_KINDS[kind]
            steps += [Step(force=f"Chapter {chapter}: {word}\n{number}."), Step(tokens=count),
                      Step(force="\n")]
        steps.append(Step(force="</answer>"))
    elif sample.task == "ruler_vt":
        steps += [Step(force=f"{sample.queries[0]}<answer>"), Step(names=True), Step(force="</answer>")]
    elif sample.task == "ruler_cwe":
        for number in range(1, NUM_COMMON + 1):
            steps += [Step(force=f"{number}."), Step(tokens=1), Step(force="\n")]
        steps.append(Step(force="</answer>"))
    else:
        steps.append(Step(tokens=FREE_TOKENS, stops=("</answer>",)))
        steps.append(Step(force="\n</answer>"))
    return tuple(steps)


def _prefilled(*, model: WiredModel, sample: Sample, steps: list[Step]) -> tuple[list[int], list[int]]:
    """(<bos> + the prompt's ids, the forced answer words before the first generated token); the forced
    steps are taken off the front of `steps`."""
    tok = model.tokenizer
    out: list[int] = []
    while steps and steps[0].force:
        out += tok.encode(text=steps.pop(0).force)
    return [tok.token_id(token="<bos>")] + tok.encode(text=sample.prompt), out


@torch.no_grad()
def model_prefill(*, model: WiredModel, sample: Sample, attention: Attention = attention_dense) -> None:
    """Only the prefill of `model_answer` (the same ids through `attention`): for hooks that keep its
    q, k, v."""
    ids, out = _prefilled(model=model, sample=sample, steps=list(answer_steps(sample=sample)))
    model.prefill(ids=torch.tensor([ids + out]), attention=attention)


@torch.no_grad()
def model_answer(
    *, model: WiredModel, sample: Sample, attention: Attention = attention_dense,
    decode_attention: Attention = attention_dense,
) -> Answer:
    """Prefill <bos> + the prompt + the forced words before the first generated token through
    `attention` (as in the harness, the first answer token comes out of the prefill), then run the
    other steps, decoding via `decode_attention`."""
    tok = model.tokenizer
    steps = list(answer_steps(sample=sample))
    ids, out = _prefilled(model=model, sample=sample, steps=steps)
    logits, cache = model.prefill(ids=torch.tensor([ids + out]), attention=attention)
    generated = 0
    for step in steps:
        if step.force:
            forced = tok.encode(text=step.force)
            out += forced
            logits = model.extend(ids=torch.tensor([forced]), cache=cache, attention=decode_attention)
            continue
        if step.names:
            names, count = _names(model=model, logits=logits, cache=cache, attention=decode_attention)
            out += names
            generated += count
            continue
        for _ in range(step.tokens):
            token = int(logits[0].argmax())
            out.append(token)
            generated += 1
            logits = model.extend(ids=torch.tensor([[token]]), cache=cache, attention=decode_attention)
            if tok.id_string(token_id=token) in step.stops:
                break
    return Answer(text=tok.decode(ids=out), generated=generated)


def _names(*, model: WiredModel, logits: torch.Tensor, cache, attention: Attention) -> tuple[list[int], int]:
    """The VT name list: (tokens kept, tokens generated); see the module docstring."""
    tok = model.tokenizer
    newline = tok.token_id(token="\n")
    out: list[int] = []
    generated = 0
    for _ in range(MAX_NAMES):
        letters = 0
        for _ in range(NAME_TOKENS):
            token = int(logits[0].argmax())
            generated += 1
            if not tok.id_string(token_id=token).isalpha():
                break
            out.append(token)
            letters += 1
            logits = model.extend(ids=torch.tensor([[token]]), cache=cache, attention=attention)
        if letters == 0:
            break
        out.append(newline)
        logits = model.extend(ids=torch.tensor([[newline]]), cache=cache, attention=attention)
    return out, generated
