"""Benchmark: text embeddings of the 20k-word vocabulary on an open_clip ViT-B-32 (random weights) on the CPU.

Goal (DN-CBM issue): under 2 minutes on CPU. Peers side by side in the same run: interpkit's `vocabulary_embeddings`
(batches grouped by length, each run only to its longest text) against open_clip's `encode_text` over the full
77-token context, timed on the first `--peer-words` words and extrapolated to 20k; the embeddings must agree.

    python bench/vocab_embedding.py [--peer-words 2000]
"""
import argparse, tempfile, time
import torch
import torch.nn.functional as F
from interpkit.backbones import load_backbone
from interpkit.naming import vocabulary_embeddings, wordfreq_vocabulary

ap = argparse.ArgumentParser(); ap.add_argument('--peer-words', type=int, default=2000); args = ap.parse_args()
bb = load_backbone('ViT-B-32', device='cpu')
vocab = wordfreq_vocabulary()
t = time.perf_counter()
ours = vocabulary_embeddings(bb, vocab, cache_dir=tempfile.mkdtemp(), progress=False)
t_ours = time.perf_counter() - t
t = time.perf_counter()
with torch.no_grad():
    tok = bb.tokenize(vocab.words[:args.peer_words])
    ref = torch.cat([bb.model.encode_text(tok[i:i+1024]) for i in range(0, len(tok), 1024)])
t_ref = (time.perf_counter() - t)*len(vocab)/args.peer_words
err = (F.normalize(ref, dim=-1) - ours.embeddings[:args.peer_words]).abs().max().item()
print(f'threads {torch.get_num_threads()}; {len(vocab)} words')
print(f'interpkit vocabulary_embeddings: {t_ours:.1f} s ({len(vocab)/t_ours:,.0f} words/s)  goal < 120 s: {"met" if t_ours < 120 else "MISSED"}')
print(f'open_clip encode_text, full context: {t_ref:.1f} s (extrapolated from {args.peer_words} words)')
print(f'speed-up {t_ref/t_ours:.1f}x; max abs difference of unit embeddings {err:.2e}')
