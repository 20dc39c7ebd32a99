"""The frontier tasks through a local transformers model (``hf_adapter``): greedy answers under dense
attention and under a submission, scored as the benchmark scores, with every attention call measured.

A task the model does not answer under dense attention (mean dense score 0) publishes no accuracy for
the method, only its attention-level figures (error, density, mass recall), with the reason.
Run: ``python -m evaluator.benchmarks.frontier.hf_run --config '<method JSON>' ...`` (see --help).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass

import torch

from evaluator.devices import scoring_device

from .attention import MethodAttention
from .hf_adapter import (
    CallRecord,
    HfAttention,
    HfModel,
    hf_attention_active,
    hf_model_dir,
    hf_model_load,
    hf_unavailable_reason,
)
from .hooks import CapturingDense, SubmissionHooks
from .registry import HARNESS_SEED, sample_make, task_names
from .sample import Sample
from .scoring import score_output
from .speed import params_for
from .submission import FrontierSubmission, submission_parse

#: Most tokens generated per answer unless told otherwise.
GENERATE_TOKENS = 128
DENSE = FrontierSubmission(method=None)


def prompt_ids(*, hf: HfModel, sample: Sample) -> list[int]:
    """The sample's prompt as the model reads it: in its chat template when it has one (the user's
    turn, then the assistant's start, as the harness does), else the tokenizer's own encoding."""
    tok = hf.tokenizer
    if getattr(tok, "chat_template", None):
        text = tok.apply_chat_template([{"role": "user", "content": sample.prompt}], tokenize=False,
                                       add_generation_prompt=True)  # fmt: skip
        return list(tok(text, add_special_tokens=False)["input_ids"])
    return list(tok(sample.prompt)["input_ids"])


def _stop_ids(hf: HfModel) -> set[int]:
    """The end-of-sequence ids of the tokenizer and of the generation config."""
    ids = {hf.tokenizer.eos_token_id}
    eos = getattr(getattr(hf.model, "generation_config", None), "eos_token_id", None)
    ids.update(eos if isinstance(eos, list) else [eos])
    return {i for i in ids if i is not None}


@torch.no_grad()
def greedy_answer(*, hf: HfModel, ids: list[int], attention: HfAttention, max_new_tokens: int) -> str:
    """The greedy reply to ``ids`` (at most ``max_new_tokens``; it ends at an end-of-sequence token or
    once "</answer>" is written), every attention call through ``attention``."""
    stops, out = _stop_ids(hf), []
    with hf_attention_active(attention):
        step = hf.model(input_ids=torch.tensor([ids], device=hf.device), use_cache=True)
        for _ in range(max_new_tokens):
            token = int(step.logits[0, -1].argmax())
            if token in stops:
                break
            out.append(token)
            if "</answer>" in hf.tokenizer.decode(out, skip_special_tokens=True):
                break
            step = hf.model(input_ids=torch.tensor([[token]], device=hf.device),
                            past_key_values=step.past_key_values, use_cache=True)  # fmt: skip
    return hf.tokenizer.decode(out, skip_special_tokens=True)


@dataclass(frozen=True)
class HfTaskResult:
    """One task at one length: dense and method scores per sample, the prompt's tokens in the model's
    tokenizer, and the method's attention calls measured against dense attention."""

    task: str
    length: int
    prompt_tokens: tuple[int, ...]
    dense_scores: tuple[float, ...]
    method_scores: tuple[float, ...]
    calls: tuple[CallRecord, ...]

    @property
    def answers(self) -> bool:
        """Whether the model answers the task under dense attention (a mean dense score above 0)."""
        return statistics.fmean(self.dense_scores) > 0

    @property
    def accuracy(self) -> float | None:
        """The method's mean score, None where the model does not answer densely."""
        return statistics.fmean(self.method_scores) if self.answers else None

    def _mean(self, name: str) -> float | None:
        """Mean of a call field over the calls that have it (None where none has)."""
        values = [getattr(c, name) for c in self.calls if getattr(c, name) is not None]
        return statistics.fmean(values) if values else None

    def row(self) -> dict:
        """The figures as a flat dict (accuracy "n/a: ..." where the model cannot answer)."""
        dense = statistics.fmean(self.dense_scores)
        accuracy = self.accuracy if self.answers else (
            f"n/a: the model does not answer {self.task} under dense attention (dense score {dense:.2f}); "
            "scored at the attention level")  # fmt: skip
        return {"task": self.task, "length": self.length, "samples": len(self.dense_scores),
                "prompt_tokens": statistics.fmean(self.prompt_tokens), "dense_accuracy": dense,
                "accuracy": accuracy, "rel_l2": self._mean("rel_l2"), "density": self._mean("density"),
                "density_reference": self._mean("density_reference"),
                "mass_recall": self._mean("mass_recall"), "calls": len(self.calls)}  # fmt: skip


def _params(*, hf: HfModel, submission: FrontierSubmission, ids: list[int], max_new_tokens: int):
    """The method's params, a target sparsity's budget chosen on the q, k, v of a dense answer to ``ids``."""
    if submission.method is None:
        return None
    if submission.method.target_sparsity is None:
        return params_for(submission=submission, prompt={}, decode_steps=0)[0]
    capture = CapturingDense()
    greedy_answer(hf=hf, ids=ids, attention=HfAttention(hooks=capture), max_new_tokens=max(1, max_new_tokens))
    if submission.phase_kind == "prefill" or not capture.answer_q:
        return params_for(submission=submission, prompt=capture.prompt, decode_steps=0)[0]
    whole, steps = capture.whole()
    return params_for(submission=submission, prompt=whole, decode_steps=steps)[0]


def hf_task_run(
    *, hf: HfModel, submission: FrontierSubmission, task: str, length: int, seed: int, samples: int,
    max_new_tokens: int = GENERATE_TOKENS,
) -> HfTaskResult:
    """Samples 0..samples-1 of ``task`` answered densely and under ``submission``, each scored; the
    submission's attention calls measured (a budget for a target sparsity chosen on sample 0)."""
    if submission.code is not None:
        raise ValueError("code submissions run only through the built-in model (their sandbox)")
    made = [sample_make(task=task, index=i, seed=seed, length=length) for i in range(samples)]
    prompts = [prompt_ids(hf=hf, sample=s) for s in made]
    limit = getattr(hf.model.config, "max_position_embeddings", None)
    longest = max(map(len, prompts))
    if limit is not None and longest + max_new_tokens > limit:
        raise ValueError(f"{task} at length {length}: {longest} prompt tokens and {max_new_tokens} new ones "
                         f"pass the model's max_position_embeddings={limit}")  # fmt: skip
    run = {"hf": hf, "made": made, "prompts": prompts, "max_new_tokens": max_new_tokens}
    dense_method = MethodAttention(submission=DENSE)
    dense = HfAttention(hooks=SubmissionHooks(dense_method), attention=dense_method,
                        measure=submission.phase_kind == "dense")  # fmt: skip
    dense_scores = _scores(**run, attention=dense)
    if submission.phase_kind == "dense":  # the dense run is the submission's run
        measured, scores = dense, dense_scores
    else:
        params = _params(hf=hf, submission=submission, ids=prompts[0], max_new_tokens=max_new_tokens)
        method = MethodAttention(submission=submission, params=params)
        measured = HfAttention(hooks=SubmissionHooks(method), attention=method, measure=True)
        scores = _scores(**run, attention=measured)
    return HfTaskResult(task=task, length=length, prompt_tokens=tuple(len(p) for p in prompts),
                        dense_scores=dense_scores, method_scores=scores,
                        calls=tuple(measured.records))  # fmt: skip


def _scores(*, hf: HfModel, made: list[Sample], prompts: list[list[int]], max_new_tokens: int,
            attention: HfAttention) -> tuple[float, ...]:  # fmt: skip
    """Each sample's score of its greedy answer through ``attention`` (per-sample state reset first)."""
    scores = []
    for index, (sample, ids) in enumerate(zip(made, prompts, strict=True)):
        attention.attention.reset()
        attention.sample = index
        answer = greedy_answer(hf=hf, ids=ids, attention=attention, max_new_tokens=max_new_tokens)
        scores.append(score_output(task=sample.task, sample=sample, output=answer).value)
    return tuple(scores)


def _parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default='{"method": "dense"}', help="the method config JSON (default dense)")
    p.add_argument("--tasks", default=",".join(task_names()), help="comma-separated tasks (default all six)")
    p.add_argument("--length", type=int, default=4096, help="target prompt length in frontier tokens")
    p.add_argument("--samples", type=int, default=5, help="samples per task")
    p.add_argument("--seed", type=int, default=HARNESS_SEED, help="the public seed of the samples")
    p.add_argument("--max-new-tokens", type=int, default=GENERATE_TOKENS, help="most tokens per answer")
    return p


def main(argv: list[str] | None = None) -> int:
    """Print one JSON row per task; "n/a: <reason>" and status 2 when no local model can run."""
    args = _parser().parse_args(argv)
    try:
        reason = hf_unavailable_reason()
    except ValueError as exc:
        print(f"n/a: {exc}")
        return 2
    if reason is not None:
        print(reason)
        return 2
    submission, problems = submission_parse(config=json.loads(args.config))
    if submission is None:
        for problem in problems:
            print(f"{problem.where}: {problem.message}", file=sys.stderr)
        return 1
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(tasks) - set(task_names()))
    if unknown or args.samples < 1:
        print(f"--tasks: unknown {unknown}" if unknown else "--samples must be at least 1", file=sys.stderr)
        return 1
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf = hf_model_load(path=hf_model_dir(), device=scoring_device())
    print(json.dumps({"model": str(hf.path), "device": str(hf.device), "dtype": str(hf.dtype),
                      "method": submission.name}))  # fmt: skip
    for task in tasks:
        try:
            result = hf_task_run(hf=hf, submission=submission, task=task, length=args.length, seed=args.seed,
                                 samples=args.samples, max_new_tokens=args.max_new_tokens)  # fmt: skip
        except ValueError as exc:  # a length too short for the task, or too long for the model
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(result.row()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
