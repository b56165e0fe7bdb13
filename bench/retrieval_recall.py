"""Benchmark: recall@K on a COCO-sized retrieval problem, 25,000 captions x 5,000 images (random unit vectors, d=512).

Goal (retrieval issue): under 1 s on this 2-core CPU. Peers side by side in the same run: interpkit's
`retrieval_recall` as it runs by default here (bf16 screening with a proven error bound, exact fp32 for the undecided
queries), the same function in plain fp32 (`screen=False`: one pass over caption blocks, running top-K per image), and
CLIP_benchmark's own computation (full score matrix, `recall_at_k` with one-hot top-K, `batchify` in rows of 64), on
the same embeddings; the numbers must be equal.

    python bench/retrieval_recall.py [--repeats 3]
"""
import argparse, time
import torch
import torch.nn.functional as F
from clip_benchmark.metrics.zeroshot_retrieval import recall_at_k, batchify
from interpkit.retrieval import retrieval_recall

ap = argparse.ArgumentParser(); ap.add_argument('--repeats', type=int, default=3); ap.add_argument('--dim', type=int, default=512)
args = ap.parse_args()
g = torch.Generator().manual_seed(0)
img = F.normalize(torch.randn(5000, args.dim, generator=g), dim=-1)
idx = torch.arange(5000).repeat_interleave(5)
txt = F.normalize(img[idx] + 1.5*torch.randn(25000, args.dim, generator=g), dim=-1)   # noisy captions: recall neither 0 nor 1

def clip_benchmark(ks=(1, 5, 10)):
    scores = txt @ img.t()
    pos = torch.zeros_like(scores, dtype=bool); pos[torch.arange(len(scores)), idx] = True
    out = {}
    for k in ks:
        out[f'image_retrieval_recall@{k}'] = (batchify(recall_at_k, scores, pos, 64, 'cpu', k=k) > 0).float().mean().item()
        out[f'text_retrieval_recall@{k}'] = (batchify(recall_at_k, scores.T, pos.T, 64, 'cpu', k=k) > 0).float().mean().item()
    return out

def best_of(f):
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter(); r = f(); times.append(time.perf_counter() - t)
    return min(times), r

from interpkit.retrieval import _fast_bf16
retrieval_recall(img[:100], txt[:500], idx[:500] % 100)   # warm-up
retrieval_recall(img[:100], txt[:500], idx[:500] % 100, screen=True)
t_ours, ours = best_of(lambda: retrieval_recall(img, txt, idx))
t_fp32, fp32 = best_of(lambda: retrieval_recall(img, txt, idx, screen=False))
t_ref, ref = best_of(clip_benchmark)
print(f'threads {torch.get_num_threads()}; fast bf16: {_fast_bf16(torch.device("cpu"))}; 25,000 captions x 5,000 images, d={args.dim}, K = 1, 5, 10')
print(f'interpkit retrieval_recall (default): {t_ours:.3f} s  goal < 1 s: {"met" if t_ours < 1 else "MISSED"}')
print(f'interpkit retrieval_recall(screen=False): {t_fp32:.3f} s  ({t_fp32/t_ours:.2f}x the default)')
print(f'CLIP_benchmark recall_at_k + batchify: {t_ref:.3f} s  ({t_ref/t_ours:.1f}x the default)')
print(f'equal numbers: default vs CLIP_benchmark {ours == ref}, fp32 vs CLIP_benchmark {fp32 == ref}')
print({k: round(v, 4) for k, v in ours.items()})
