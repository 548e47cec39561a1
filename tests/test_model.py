"""The GPT, its optimizers and schedule, and KV-cached sampling: shapes, causality, learning, cache equivalence."""

from __future__ import annotations

import math

import pytest
import torch

from pretrain.model import GPT, GPTConfig, KVCache
from pretrain.optim import build_optimizers, lr_multiplier, set_lr
from pretrain.sample import generate, sample_next

torch.set_num_threads(1)


def tiny(vocab: int = 100, seq_len: int = 32, depth: int = 1, seed: int = 0) -> GPT:
    torch.manual_seed(seed)
    return GPT(GPTConfig.from_depth(depth, vocab, seq_len))


@pytest.mark.parametrize("depth", range(1, 25))
def test_depth_sets_width_and_heads(depth):
    c = GPTConfig.from_depth(depth, vocab_size=50_000, seq_len=64)
    assert c.n_layer == depth and c.n_embd == 64 * depth
    assert c.n_head * c.head_dim == c.n_embd and 64 <= c.head_dim <= 128
    assert c.padded_vocab_size % 64 == 0 and 0 <= c.padded_vocab_size - c.vocab_size < 64


def test_architecture_has_no_biases_and_untied_embeddings():
    model = tiny()
    assert all(m.bias is None for m in model.modules() if isinstance(m, torch.nn.Linear))
    assert model.wte.weight.data_ptr() != model.lm_head.weight.data_ptr()
    assert model.wte.weight.shape == (128, 64) and model.lm_head.weight.shape == (128, 64)  # 100 padded to 128


def test_initial_loss_is_uniform_over_the_padded_vocabulary():
    model = tiny()
    x = torch.randint(0, 100, (4, 32))
    assert model(x, x).item() == pytest.approx(math.log(128), abs=0.01)


def test_logits_are_soft_capped():
    model = tiny()
    with torch.no_grad():
        model.lm_head.weight.mul_(1e4)
    logits = model(torch.randint(0, 100, (2, 16)))
    assert logits.abs().max() <= model.config.softcap
    assert logits.abs().max() > 0.9 * model.config.softcap


def test_attention_is_causal():
    model = tiny(depth=2)
    with torch.no_grad():  # zero-initialised output projections would hide any leak
        for block in model.blocks:
            block.attn.proj.weight.normal_(std=0.1)
            block.mlp.proj.weight.normal_(std=0.1)
    x = torch.randint(0, 100, (1, 20))
    changed = x.clone()
    changed[0, 12:] = (changed[0, 12:] + 1) % 100
    a, b = model(x), model(changed)
    torch.testing.assert_close(a[:, :12], b[:, :12])
    assert not torch.allclose(a[:, 12:], b[:, 12:])


@pytest.mark.parametrize("muon", [False, True], ids=["adamw", "muon"])
def test_overfits_a_fixed_tiny_batch(muon):
    model = tiny(depth=2)
    optimizers = build_optimizers(model, lr=3e-3, weight_decay=0.0, muon=muon)
    x = torch.randint(0, 100, (4, 32), generator=torch.Generator().manual_seed(1))
    y = torch.roll(x, -1, dims=1)
    losses = []
    for _ in range(60):
        loss = model(x, y)
        loss.backward()
        for opt in optimizers:
            opt.step()
        model.zero_grad(set_to_none=True)
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]


def test_optimizer_groups_cover_each_parameter_once():
    model = tiny(depth=2)
    for muon in (False, True):
        optimizers = build_optimizers(model, lr=1e-3, weight_decay=0.1, muon=muon)
        params = [p for opt in optimizers for g in opt.param_groups for p in g["params"]]
        assert len(params) == len({id(p) for p in params}) == len(list(model.parameters()))
        set_lr(optimizers, 0.5)
        assert all(g["lr"] == 0.5 * g["base_lr"] for opt in optimizers for g in opt.param_groups)


def test_cosine_schedule_warms_up_then_decays_to_the_floor():
    lrs = [lr_multiplier(s, 100, 10, "cosine", final_frac=0.1) for s in range(101)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a <= b for a, b in zip(lrs[:10], lrs[1:10]))
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[100] == pytest.approx(0.1)


def test_linear_schedule_is_flat_then_warms_down():
    lrs = [lr_multiplier(s, 100, 0, "linear", warmdown_frac=0.2, final_frac=0.0) for s in range(101)]
    assert lrs[:81] == [1.0] * 81
    assert lrs[90] == pytest.approx(0.5) and lrs[100] == 0.0


def test_flops_per_token_counts_matmuls_not_the_embedding_gather():
    model = tiny(depth=2)
    c = model.config
    matmul_params = model.num_params() - model.wte.weight.numel()
    assert model.flops_per_token() == 6 * matmul_params + 12 * c.n_layer * c.n_embd * c.seq_len


def test_kv_cache_matches_full_forward():
    model = tiny(depth=2)
    with torch.no_grad():
        for block in model.blocks:
            block.attn.proj.weight.normal_(std=0.1)
        x = torch.randint(0, 100, (2, 24))
        full = model(x)
        cache = KVCache(model.config, batch_size=2, max_len=32, device="cpu")
        pieces = [model(x[:, :10], kv_cache=cache), model(x[:, 10:17], kv_cache=cache)]
        pieces += [model(x[:, t:t + 1], kv_cache=cache) for t in range(17, 24)]
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=1e-5, rtol=1e-4)
    assert cache.pos == 24


def test_previous_token_embedding_matches_with_a_cache_and_is_absent_at_the_first_position():
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_depth(2, 100, 32, prev_token=True))
    with torch.no_grad():
        for block in model.blocks:
            block.attn.proj.weight.normal_(std=0.1)
        model.lm_head.weight.normal_(std=1.0)
        x = torch.randint(0, 100, (2, 24))
        full = model(x)
        cache = KVCache(model.config, batch_size=2, max_len=32, device="cpu")
        pieces = [model(x[:, :10], kv_cache=cache)] + [model(x[:, t:t + 1], kv_cache=cache) for t in range(10, 24)]
        torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=1e-5, rtol=1e-4)
        # the first position has no predecessor (the shift must not wrap the last token around to it)
        other = x.clone()
        other[:, -1] = (x[:, -1] + 1) % 100
        torch.testing.assert_close(model(other)[:, :-1], full[:, :-1])
        plain = GPT(GPTConfig.from_depth(2, 100, 32))
    assert model.num_params() - plain.num_params() == model.prev_proj.weight.numel()
    assert model.flops_per_token() - plain.flops_per_token() == 6 * model.prev_proj.weight.numel()


def _copy_model(seed: int = 0, first_special: int | None = None) -> GPT:
    torch.manual_seed(seed)
    model = GPT(GPTConfig.from_depth(2, 100, 32, prev_token=True, copy_head=True, first_special=first_special))
    with torch.no_grad():
        for block in model.blocks:
            block.attn.proj.weight.normal_(std=0.1)
        model.lm_head.weight.normal_(std=1.0)
    return model


def test_copy_head_returns_a_distribution_whose_loss_is_the_training_loss():
    model = _copy_model()
    x = torch.randint(0, 100, (2, 24))
    y = torch.cat([x[:, 1:], torch.full((2, 1), -1)], dim=1)
    with torch.no_grad():
        log_probs = model(x)
        losses = model(x, y, reduction="none")
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(2, 24))
    expected = -log_probs.gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1).masked_fill(y < 0, 0.0)
    torch.testing.assert_close(losses, expected, atol=1e-5, rtol=1e-5)
    assert model(x, y).item() == pytest.approx(expected.sum().item() / 46, rel=1e-5)
    model(x, y).backward()  # finite gradients although most positions have nothing to copy
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


def test_copy_head_copies_only_ordinary_tokens_already_seen_and_matches_a_cache():
    model = _copy_model(first_special=90)
    with torch.no_grad():
        model.copy.sink.bias.fill_(-30.0)  # always copy: the only candidates are the successors of earlier tokens
        x = torch.randint(0, 100, (2, 24))
        full = model(x)
        copied = 0
        for b in range(2):
            for i in range(1, 24):
                candidates = {t for t in x[b, 1:i + 1].tolist() if t < 90}  # ids from 90 on are special
                if candidates:  # (with none, the sink takes everything and the generator decides)
                    support = set(torch.nonzero(full[b, i].exp() > 1e-6).flatten().tolist())
                    assert support <= candidates
                    copied += 1
        assert copied > 30
        cache = KVCache(model.config, batch_size=2, max_len=32, device="cpu")
        pieces = [model(x[:, :10], kv_cache=cache)] + [model(x[:, t:t + 1], kv_cache=cache) for t in range(10, 24)]
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=1e-4, rtol=1e-4)

def _copy_accuracy(copy_head: bool) -> float:
    """Next-token accuracy on the second half of windows made of 16 distinct random tokens twice, after 60 steps."""
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_depth(1, 100, 32, copy_head=copy_head))
    optimizer = build_optimizers(model, lr=1e-2, weight_decay=0.0)[0]

    def windows(n: int) -> torch.Tensor:
        half = torch.stack([torch.randperm(100)[:16] for _ in range(n)])
        return torch.cat([half, half], dim=1)

    for _ in range(60):
        x = windows(8)
        optimizer.zero_grad()
        model(x[:, :-1], x[:, 1:]).backward()
        optimizer.step()
    x = windows(16)
    with torch.no_grad():
        predicted = model(x[:, :-1]).argmax(-1)[:, 16:]
    return (predicted == x[:, 17:]).float().mean().item()


def test_copy_head_learns_to_copy_where_attention_alone_does_not_yet():
    assert _copy_accuracy(copy_head=True) > 0.9  # random tokens: only the first half can tell them
    assert _copy_accuracy(copy_head=False) < 0.5

def test_greedy_generation_with_cache_equals_recomputing_everything():
    model = tiny(depth=2, seq_len=16)
    with torch.no_grad():
        for block in model.blocks:
            block.attn.proj.weight.normal_(std=0.3)
            block.mlp.proj.weight.normal_(std=0.3)
        model.lm_head.weight.normal_(std=1.0)
    prompt = [5, 17, 42]
    cached = list(generate(model, prompt, max_new_tokens=30, temperature=0))
    # The reference sees what the cache holds: everything since the last restart, which
    # happens when 16 tokens (seq_len) are cached and keeps the latest 8.
    ids, start = list(prompt), 0
    with torch.no_grad():
        for _ in range(30):
            ids.append(int(model(torch.tensor([ids[start:]]))[0, -1, :100].argmax()))
            if len(ids) - 1 - start == 16:
                start = len(ids) - 8
    assert cached == ids[3:]
    assert start > 0  # the window did slide


def test_sampling_filters_and_seed():
    logits = torch.tensor([[3.0, 2.0, 1.0, -1.0, -5.0]])
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    assert all(int(sample_next(logits, 1.0, 1, None, gen())) == 0 for _ in range(5))
    assert int(sample_next(logits, 0.0, None, None, gen())) == 0
    assert int(sample_next(logits, 1.0, None, 0.5, gen())) == 0  # the top token alone holds > 0.5
    draws = {int(sample_next(logits, 1.0, 2, None, torch.Generator().manual_seed(s))) for s in range(50)}
    assert draws == {0, 1}
    model = tiny()
    a = list(generate(model, [1, 2], 10, temperature=1.0, seed=7))
    assert a == list(generate(model, [1, 2], 10, temperature=1.0, seed=7))
    assert all(t < 100 for t in a)  # padded ids are never sampled
