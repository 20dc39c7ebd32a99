"""A stack of same-shape ReLU MLPs with hand-written backward pass and Adam over one flat buffer."""

from __future__ import annotations

from collections.abc import Sequence

import torch


class MlpStack:
    """S independent MLPs in-64-k1-k2-out held in one flat float32 buffer (weights in [in, out] layout).

    `node_masks` (optional, two tensors of shape [S, 1, k]) multiply the hidden activations: that is the
    masked-parent way of training, kept only to measure it against physically smaller layers.
    """

    def __init__(
        self,
        *,
        params: Sequence[torch.Tensor],
        node_masks: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> None:
        """Copy `params` (W1 [S,in,k1], b1 [S,1,k1], W2, b2, W3, b3) into one flat trainable buffer."""
        if len(params) != 6:
            raise ValueError(f"an MLP stack needs 6 parameter tensors, got {len(params)}")
        self.flat = torch.cat([p.reshape(-1) for p in params]).contiguous()
        self.grad = torch.zeros_like(self.flat)
        self.params = self._views(self.flat, [p.shape for p in params])
        self.grads = self._views(self.grad, [p.shape for p in params])
        self.node_masks = node_masks
        self._m = torch.zeros_like(self.flat)
        self._v = torch.zeros_like(self.flat)
        self._steps = 0

    @staticmethod
    def _views(buffer: torch.Tensor, shapes: Sequence[torch.Size]) -> list[torch.Tensor]:
        """Consecutive views of `buffer` with the given shapes."""
        views, offset = [], 0
        for shape in shapes:
            size = shape.numel()
            views.append(buffer[offset : offset + size].view(shape))
            offset += size
        return views

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Logits [S, B, out] and the hidden pre-activations/activations needed by backward."""
        w1, b1, w2, b2, w3, b3 = self.params
        z1 = torch.baddbmm(b1, x, w1)
        h1 = torch.relu(z1)
        if self.node_masks is not None:
            h1 = h1 * self.node_masks[0]
        z2 = torch.baddbmm(b2, h1, w2)
        h2 = torch.relu(z2)
        if self.node_masks is not None:
            h2 = h2 * self.node_masks[1]
        return torch.baddbmm(b3, h2, w3), z1, h1, z2, h2

    def backward(self, *, x: torch.Tensor, onehot: torch.Tensor) -> None:
        """Fill the gradient buffer with d(sum over networks of mean cross-entropy)/d(parameters)."""
        logits, z1, h1, z2, h2 = self.forward(x)
        _, _, w2, _, w3, _ = self.params
        g_w1, g_b1, g_w2, g_b2, g_w3, g_b3 = self.grads
        dz3 = torch.softmax(logits, dim=-1).sub_(onehot).div_(x.shape[1])
        torch.bmm(h2.transpose(1, 2), dz3, out=g_w3)
        torch.sum(dz3, dim=1, keepdim=True, out=g_b3)
        dz2 = torch.bmm(dz3, w3.transpose(1, 2)).mul_(z2 > 0)
        if self.node_masks is not None:
            dz2.mul_(self.node_masks[1])
        torch.bmm(h1.transpose(1, 2), dz2, out=g_w2)
        torch.sum(dz2, dim=1, keepdim=True, out=g_b2)
        dz1 = torch.bmm(dz2, w2.transpose(1, 2)).mul_(z1 > 0)
        if self.node_masks is not None:
            dz1.mul_(self.node_masks[0])
        torch.bmm(x.transpose(1, 2), dz1, out=g_w1)
        torch.sum(dz1, dim=1, keepdim=True, out=g_b1)

    def adam_step(self, *, lr: float, betas: tuple[float, float], eps: float) -> None:
        """One Adam update (PyTorch's formula, no weight decay) of every parameter from the gradients."""
        beta1, beta2 = betas
        self._steps += 1
        self._m.mul_(beta1).add_(self.grad, alpha=1.0 - beta1)
        self._v.mul_(beta2).addcmul_(self.grad, self.grad, value=1.0 - beta2)
        correction1 = 1.0 - beta1**self._steps
        correction2_sqrt = (1.0 - beta2**self._steps) ** 0.5
        denom = self._v.sqrt().div_(correction2_sqrt).add_(eps)
        self.flat.addcdiv_(self._m, denom, value=-lr / correction1)

    def accuracy(self, *, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Float64 accuracy of each network on inputs x [N, in] with labels y [N]."""
        logits = self.forward(x.expand(self.flat_networks, -1, -1))[0]
        return (logits.argmax(dim=-1) == y).to(torch.float64).mean(dim=1)

    @property
    def flat_networks(self) -> int:
        """Number S of networks in the stack."""
        return self.params[0].shape[0]
