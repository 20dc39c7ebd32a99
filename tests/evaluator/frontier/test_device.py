"""The frontier model on an explicit device: every tensor it holds or makes lives there, CPU results are the
default's bit for bit, and score() routes a GPU phase to phase_device's choice (CUDA faked here)."""

from __future__ import annotations

import pytest
import torch
from sb_frontier_small import short_built
from sb_sandbox import sandbox_required

from evaluator.benchmarks.frontier import benchmark as frontier_benchmark
from evaluator.benchmarks.frontier.benchmark import SAMPLE, frontier_model
from evaluator.benchmarks.frontier.model.protocol import model_answer
from evaluator.benchmarks.frontier.model.wired import KvCache, WiredModel, attention_dense
from evaluator.benchmarks.frontier.registry import sample_make
from evaluator.benchmarks.frontier.tokenizer import tokenizer_frontier
from evaluator.contract import Payload
from evaluator.devices import DEVICE_ENV, tensors_walk

SHORT = 1280
CPU = torch.device("cpu")


def devices_of(obj: object) -> dict[str, torch.device]:
    """Each tensor's path -> device, for every tensor reachable from ``obj``."""
    return {path: t.device for path, t in tensors_walk(obj)}


@pytest.fixture(scope="module")
def on_cpu() -> WiredModel:
    return WiredModel(tokenizer=tokenizer_frontier(), device="cpu")


@pytest.fixture(scope="module")
def ids() -> torch.Tensor:
    sample = sample_make(task="ruler_niah", index=0, seed=43, length=SHORT)
    tok = tokenizer_frontier()
    return torch.tensor([[tok.token_id(token="<bos>")] + tok.encode(text=sample.prompt)])


def test_model_holds_every_tensor_on_its_device(on_cpu):
    found = devices_of(on_cpu)
    assert on_cpu.device == CPU
    for path in ("weights.embed", "weights.features", "weights.roles", "weights.layers[0].w_qkv",
                 "compact[0].qkv.block", "compact[0].qkv.rows", "compact[4].out.cols", "rope_frequencies"):
        assert path in found, path  # fmt: skip
    assert set(found.values()) == {CPU}


def test_prefill_and_extend_keep_cache_and_logits_on_the_device(on_cpu, ids):
    logits, cache = on_cpu.prefill(ids=ids[:, :300])
    assert isinstance(cache, KvCache) and cache.length == 300
    nxt = on_cpu.extend(ids=ids[:, 300:302], cache=cache)
    assert set(devices_of(cache).values()) == {CPU} and len(devices_of(cache)) == 2 * on_cpu.config.n_layers
    assert logits.device == CPU and nxt.device == CPU


def test_explicit_cpu_model_is_the_default_model_bit_for_bit(on_cpu, ids):
    default = frontier_model()
    assert frontier_model("cpu") is default and frontier_model(CPU) is default
    a, cache_a = on_cpu.prefill(ids=ids)
    b, cache_b = default.prefill(ids=ids)
    assert torch.equal(a, b)
    assert torch.equal(on_cpu.extend(ids=ids[:, -4:], cache=cache_a),
                       default.extend(ids=ids[:, -4:], cache=cache_b))  # fmt: skip
    sample = sample_make(task="ruler_niah", index=1, seed=43, length=SHORT)
    assert model_answer(model=on_cpu, sample=sample).text == model_answer(model=default, sample=sample).text


def test_attention_dense_masks_match_the_explicit_reference():
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, h, n, 8, generator=gen) for h, n in ((4, 20), (2, 50), (2, 50)))
    for n_q in (3, 20):  # the matmul path (few queries) and SDPA with an offset mask
        qs = q[:, :, :n_q]
        scores = qs @ k.repeat_interleave(2, dim=1).transpose(2, 3) / 8**0.5
        rows = torch.arange(n_q)[:, None] + (50 - n_q)
        scores = scores.masked_fill(torch.arange(50)[None] > rows, float("-inf"))
        want = torch.softmax(scores, dim=-1) @ v.repeat_interleave(2, dim=1)
        got = attention_dense(qs, k, v, layer=0, causal=True)
        assert got.device == q.device
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


class _Routed(Exception):
    """Raised by the stand-in model factory: the device it was asked for."""

    def __init__(self, device):
        super().__init__(str(device))
        self.device = torch.device(device)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return short_built(tmp_path_factory.mktemp("frontier-device"), length=SHORT)


@pytest.fixture
def fake_cuda(monkeypatch):
    """A worker on which torch sees CUDA; the model factory records the device score() asks for."""
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def factory(device="cpu"):
        raise _Routed(device)

    monkeypatch.setattr(frontier_benchmark, "frontier_model", factory)


def _routed(bench, payload, hidden) -> torch.device:
    with pytest.raises(_Routed) as caught:
        bench.score(payload, hidden)
    return caught.value.device


def test_score_routes_a_gpu_phase_to_cuda_and_the_others_to_the_cpu(built, fake_cuda):
    bench, out = built
    config = {"method": "dense"}
    assert _routed(bench, Payload("test-long", out / "public", config=config), out / "hidden").type == "cuda"
    assert _routed(bench, Payload("test", out / "public", config=config), out / "hidden") == CPU
    assert _routed(bench, Payload("dev", out / "public", config=config), out / "hidden") == CPU


def test_score_keeps_code_on_the_cpu_even_in_a_gpu_phase(built, fake_cuda):
    sandbox_required()
    bench, out = built
    payload = Payload("test-long", out / "public", file=SAMPLE)
    assert _routed(bench, payload, out / "hidden") == CPU


def test_score_honours_a_cpu_setting_on_a_cuda_worker(built, fake_cuda, monkeypatch):
    bench, out = built
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    payload = Payload("test-long", out / "public", config={"method": "dense"})
    assert _routed(bench, payload, out / "hidden") == CPU


def test_score_logs_the_device_it_ran_on(built):
    bench, out = built
    report = bench.score(Payload("dev", out / "public", config={"method": "dense"}), out / "hidden")
    assert report.log[0] == "model on cpu"
