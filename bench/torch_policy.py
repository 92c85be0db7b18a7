"""The PyTorch peer of the fast policy engine (bench/train_throughput.ts, docs/engine.md).

The same model as lib/train/policy.ts (GPT-2-style pre-LN transformer, tanh GELU, LayerNorm eps 1e-5,
tied or separate head), loaded with the SAME weights, the same batch and the same step, written the way
a researcher would in PyTorch on CPU:

  sample   every prompt of the generation batch together: distinct prompts prefilled once (prefix sharing,
           as ours), left-padded to the longest, per-row position ids and a key-padding mask, the KV cache
           [B, H, P_max + R, d_head] gathered per rollout; each
           step runs the new token of every row, takes log-softmax(logits / T), the entropy, and draws with
           torch.multinomial. Fixed length R (no eos), as the TypeScript side in the bench.
  (Debian's python3-torch 1.13 is built with BLAS_INFO=generic: its matmuls run the reference BLAS, which
  is why torch.mm is reported next to the results.)
  train    one step on the training batch: sequences right-padded (causal attention makes trailing padding
           invisible), hidden states gathered at the response positions before the head, GRPO's clipped
           loss (dual clip, seq-mean-token-mean), backward, clip_grad_norm_(1.0), AdamW (weight decay on
           >= 2-D weights, as Megatron), zero_grad.

Input: a JSON spec path (argv[1]) naming a float32 weights file; output: one JSON line with per-repetition
seconds (median), the max |log-prob| difference from the TypeScript engine's on the training batch (the
models must agree), this torch build's BLAS and the GFLOP/s its torch.mm reaches (512^3, 1 and N threads).
"""
import json
import math
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def load_weights(spec):
    raw = open(spec["weights_file"], "rb").read()
    flat = torch.frombuffer(bytearray(raw), dtype=torch.float32)
    out, off = {}, 0
    for name, shape in zip(spec["names"], spec["shapes"]):
        n = math.prod(shape)
        out[name] = flat[off:off + n].clone().view(*shape).requires_grad_(True)
        off += n
    return out


class Model:
    def __init__(self, c, w):
        self.c, self.w = c, w
        self.D, self.H, self.L, self.V = c["dModel"], c["nHeads"], c["nLayers"], c["vocabSize"]
        self.dh = self.D // self.H

    def params(self):
        return list(self.w.values())

    def head(self, h):
        w = self.w
        h = F.layer_norm(h, (self.D,), w["ln_f.g"], w["ln_f.b"], 1e-5)
        return h @ (w["tok_emb"].t() if "head" not in w else w["head"])

    def block(self, l, x, attn):
        w, p = self.w, f"block{l}."
        h = F.layer_norm(x, (self.D,), w[p + "ln1.g"], w[p + "ln1.b"], 1e-5)
        x = x + attn(h @ w[p + "attn.wq"], h @ w[p + "attn.wk"], h @ w[p + "attn.wv"]) @ w[p + "attn.wo"]
        h = F.layer_norm(x, (self.D,), w[p + "ln2.g"], w[p + "ln2.b"], 1e-5)
        return x + F.gelu(h @ w[p + "mlp.w1"] + w[p + "mlp.b1"], approximate="tanh") @ w[p + "mlp.w2"] + w[p + "mlp.b2"]

    def split(self, t):  # [B, T, D] -> [B, H, T, dh]
        B, T, _ = t.shape
        return t.view(B, T, self.H, self.dh).transpose(1, 2)

    def merge(self, t):
        B, _, T, _ = t.shape
        return t.transpose(1, 2).reshape(B, T, self.D)

    def hidden(self, idx, pos, mask, cache=None, at=0):
        """idx/pos [B, T]; mask [B, 1, T, K] additive; cache: per layer (k, v) [B, H, Kmax, dh] written at [at, at+T)."""
        x = self.w["tok_emb"][idx] + self.w["pos_emb"][pos]
        scale = 1 / math.sqrt(self.dh)
        for l in range(self.L):
            def attn(q, k, v, l=l):
                q, k, v = self.split(q), self.split(k), self.split(v)
                if cache is not None:
                    ck, cv = cache[l]
                    T = q.shape[2]
                    ck[:, :, at:at + T] = k
                    cv[:, :, at:at + T] = v
                    k, v = ck[:, :, :at + T], cv[:, :, :at + T]
                s = (q @ k.transpose(-1, -2)) * scale + mask
                return self.merge(torch.softmax(s, -1) @ v)
            x = self.block(l, x, attn)
        return x


def sample(m, prompts, R, temperature, gen):
    # Prefix sharing, as the TypeScript engine: each distinct prompt is prefilled once, then its cache rows
    # and last hidden state are gathered for every rollout that shares it.
    uniq, rows_u = {}, []
    for p in prompts:
        rows_u.append(uniq.setdefault(tuple(p), len(uniq)))
    uprompts = [list(p) for p in uniq]
    B = len(prompts)
    U = len(uprompts)
    Pm = max(len(p) for p in prompts)
    pad = torch.tensor([Pm - len(p) for p in uprompts])
    idx = torch.tensor([[0] * (Pm - len(p)) + p for p in uprompts])
    ar = torch.arange(Pm)
    pos = (ar[None, :] - pad[:, None]).clamp(min=0)
    valid_u = ar[None, :] >= pad[:, None]  # [U, Pm] key is a real token
    neg = torch.finfo(torch.float32).min
    causal = torch.ones(Pm, Pm, dtype=torch.bool).tril()
    mask = torch.where(causal[None] & valid_u[:, None, :], 0.0, neg)[:, None]
    cache_u = [(torch.zeros(U, m.H, Pm + R, m.dh), torch.zeros(U, m.H, Pm + R, m.dh)) for _ in range(m.L)]
    sel = torch.tensor(rows_u)
    valid = valid_u[sel]
    key_valid = torch.cat([valid, torch.ones(B, R, dtype=torch.bool)], 1)
    last_pos = torch.tensor([len(p) for p in prompts])
    with torch.no_grad():
        h = m.hidden(idx, pos, mask, cache_u, 0)[:, -1][sel]
        cache = [(k[sel], v[sel]) for k, v in cache_u]
        toks, lps, ents = [], [], []
        for s in range(R):
            lsm = torch.log_softmax(m.head(h) / temperature, -1)
            p = lsm.exp()
            ents.append(-(p * lsm).sum(-1))
            t = torch.multinomial(p, 1, generator=gen)
            toks.append(t)
            lps.append(lsm.gather(1, t))
            if s == R - 1:
                break
            at = Pm + s
            kmask = torch.where(key_valid[:, :at + 1], 0.0, neg)[:, None, None, :]
            h = m.hidden(t, (last_pos + s)[:, None], kmask, cache, at)[:, -1]
    return torch.cat(toks, 1)


def train_step(m, opt, batch):
    seqs, P, R = batch["sequences"], batch["promptLens"], batch["R"]
    B = len(seqs)
    Lm = max(len(q) for q in seqs)
    full = torch.tensor([q + [0] * (Lm - len(q)) for q in seqs])
    inp, tgt = full[:, :-1], full[:, 1:]
    T = Lm - 1
    causal = torch.where(torch.ones(T, T, dtype=torch.bool).tril(), 0.0, torch.finfo(torch.float32).min)
    h = m.hidden(inp, torch.arange(T)[None].expand(B, T), causal)
    sel = torch.tensor(P)[:, None] - 1 + torch.arange(R)[None]  # [B, R] response positions
    hs = h.gather(1, sel[..., None].expand(B, R, m.D))
    lp = torch.log_softmax(m.head(hs), -1).gather(2, tgt.gather(1, sel)[..., None])[..., 0]
    old, adv, mask = batch["old_t"], batch["adv_t"], batch["mask_t"]
    d = (lp - old).clamp(-20, 20)
    ratio = d.exp()
    l1, l2 = -adv * ratio, -adv * ratio.clamp(1 - 0.2, 1 + 0.28)
    lc = torch.maximum(l1, l2)
    l3 = -adv * 3.0
    pg = torch.where(adv < 0, torch.minimum(l3, lc), lc)
    tok = mask.sum(-1)
    seq = (pg * mask).sum(-1) / tok.clamp(min=1)
    loss = (seq * (tok > 0)).sum() / ((tok > 0).sum() + 1e-8)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.params(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return lp.detach()


def timed(fn, min_s, max_reps, warm=2):
    for _ in range(warm):
        fn()
    ts, t_end = [], time.perf_counter() + min_s
    while len(ts) < max_reps and (len(ts) < 3 or time.perf_counter() < t_end):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), len(ts)


def mm_gflops(threads, n=512):
    """torch.mm fp32 GFLOP/s (n^3): what this torch build's BLAS reaches (informational, not the peak)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    s, _ = timed(lambda: a @ b, 0.5, 10, warm=1)
    return 2 * n ** 3 / s / 1e9


def main():
    spec = json.load(open(sys.argv[1]))
    threads = spec.get("threads", 2)
    out = {"torch": torch.__version__, "threads": threads}
    out["blas"] = re.findall(r"BLAS_INFO=\w+", torch.__config__.show())[:1]
    out["mm_gflops_1"] = mm_gflops(1)
    out["mm_gflops_n"] = mm_gflops(threads)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    w = load_weights(spec)
    m = Model(spec["config"], w)
    tb = spec["train"]
    R = tb["R"]
    tb["old_t"] = torch.tensor(tb["old"])
    tb["adv_t"] = torch.tensor(tb["adv"])[:, None] * torch.tensor(tb["mask"])
    tb["mask_t"] = torch.tensor(tb["mask"])
    decay = [p for n, p in w.items() if p.dim() >= 2]
    rest = [p for n, p in w.items() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=0.0, betas=(0.9, 0.999), eps=1e-8)
    # Agreement check first (lr 0: the weights stay those of the TypeScript side).
    lp = train_step(m, opt, tb)
    ours = torch.tensor(spec["check_logprobs"])
    out["max_logprob_diff"] = float(((lp - ours).abs() * tb["mask_t"]).max())
    for g in opt.param_groups:
        g["lr"] = 1e-9
    warm = spec.get("warm", 2)
    out["train_s"], out["train_reps"] = timed(lambda: train_step(m, opt, tb), spec.get("min_s", 2.0), spec.get("max_reps", 50), warm)
    gen = torch.Generator().manual_seed(0)
    sb = spec["sample"]
    out["sample_s"], out["sample_reps"] = timed(lambda: sample(m, sb["prompts"], sb["maxNewTokens"], sb["temperature"], gen), spec.get("min_s", 2.0), spec.get("max_reps", 50), warm)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
