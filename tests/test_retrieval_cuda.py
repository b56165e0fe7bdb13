"""GPU check of the screened recall: bf16 screening on CUDA (with fp32 accumulation forced) gives the CPU fp32 numbers."""
import pytest, torch
import torch.nn.functional as F
from interpkit.retrieval import retrieval_recall


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_screened_recall_on_cuda_matches_cpu():
    g = torch.Generator().manual_seed(0)
    img = F.normalize(torch.randn(3000, 256, generator=g), dim=-1)
    idx = torch.arange(3000).repeat_interleave(3)
    txt = F.normalize(img[idx] + 1.2*torch.randn(9000, 256, generator=g), dim=-1)
    setting = torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction
    reference = retrieval_recall(img, txt, idx, screen=False)
    assert 0 < reference['image_retrieval_recall@1'] < 1
    assert retrieval_recall(img.cuda(), txt.cuda(), idx, screen=True) == reference
    assert retrieval_recall(img.cuda(), txt.cuda(), idx, screen=False) == reference
    assert torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction == setting   # restored
