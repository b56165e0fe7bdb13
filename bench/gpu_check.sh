#!/usr/bin/env bash
# One prepared GPU check (issue #20): on a machine with CUDA, run every GPU-flagged test and the GPU benchmarks with
# short settings, in under 8 minutes, and print one table. On a CPU-only machine it says so and exits 0.
#
#   bash bench/gpu_check.sh            # from the repository root (or anywhere: it cds there)
#   bash bench/gpu_check.sh --dry-run  # print the steps and their commands, run nothing
#
# Steps (each with its own time limit; the limits add up to under 7 minutes):
#   pytest-cuda       the pytest tests that skip without CUDA (files calling torch.cuda.is_available, tests named *cuda*)
#   nbdev-cuda        `nbdev_test --flags cuda` on every notebook with a `#| cuda` cell (none: reported as such)
#   extraction        bench/extraction_overhead.py: store vs raw open_clip on ViT-B-32, RN50, convnext_tiny (+ patches)
#   sae-peers         bench/sae_peers.py --quick on the peers that need no venv (torch, interpkit, interpkit_bf16):
#                     a GPU machine here has no network to build the other peers' venvs
#   retrieval         bench/retrieval_recall.py (COCO-sized recall@K)
# Logs: $GPU_CHECK_LOGS (default bench/results/gpu_check/), one file per step; the table is printed at the end
# and written to gpu_check.txt there. Exit status: 0 when every step passed (or there is no GPU), else 1.
set -u
cd "$(dirname "$0")/.."
[ -f .venv/bin/activate ] && source .venv/bin/activate
PY=${PYTHON:-python}
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}
LOGS=${GPU_CHECK_LOGS:-bench/results/gpu_check}
DRY=0; [ "${1:-}" = "--dry-run" ] && DRY=1

if [ $DRY = 0 ] && ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "gpu_check: no CUDA device on this machine (torch.cuda.is_available() is False): nothing to check, exit 0."
    exit 0
fi
[ $DRY = 0 ] && mkdir -p "$LOGS"
[ $DRY = 0 ] && "$PY" -c 'import torch; print("gpu_check:", torch.cuda.get_device_name(0), "| torch", torch.__version__)'

CUDA_TESTS=$(grep -l "cuda.is_available" tests/*.py 2>/dev/null | tr '\n' ' ')
CUDA_NBS=$(grep -l '#| *cuda' nbs/*.ipynb nbs/tutorials/*.ipynb 2>/dev/null | tr '\n' ' ')

declare -a ROWS
# step NAME LIMIT_S SUMMARY_REGEX COMMAND...: run with a time limit, log it, keep the last line matching the regex
step() {
    local name=$1 limit=$2 regex=$3; shift 3
    if [ $DRY = 1 ]; then printf '%-12s %4ss  %s\n' "$name" "$limit" "$*"; return; fi
    local log="$LOGS/$name.log" t0=$SECONDS rc
    echo "== $name (limit ${limit}s): $*" | tee "$log"
    timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1; rc=$?
    local dt=$((SECONDS - t0)) status=PASS
    [ $rc -ne 0 ] && status="FAIL(rc=$rc)"
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && status="TIMEOUT"
    local summary; summary=$(grep -E "$regex" "$log" | tail -n 3 | tr '\n' ';' | tr -s ' ' | cut -c1-220)
    ROWS+=("$(printf '%-12s %-13s %5ss  %s' "$name" "$status" "$dt" "${summary:-see $log}")")
}
skip() { ROWS+=("$(printf '%-12s %-13s %5ss  %s' "$1" "SKIP" 0 "$2")"); [ $DRY = 1 ] && printf '%-12s  skip: %s\n' "$1" "$2"; }

if [ -n "$CUDA_TESTS" ]; then step pytest-cuda 120 'passed|failed|skipped|error' "$PY" -m pytest $CUDA_TESTS -q -k cuda -rs
else skip pytest-cuda 'no test file calls torch.cuda.is_available'; fi
if [ -n "$CUDA_NBS" ]; then step nbdev-cuda 90 'Success|Failed|Error' bash -c "for nb in $CUDA_NBS; do nbdev_test --flags cuda --path \$nb || exit 1; done"
else skip nbdev-cuda 'no notebook has a #| cuda cell'; fi
step extraction 100 'ratio store/raw' "$PY" bench/extraction_overhead.py --device cuda --n 512 --batch-size 128 --repeats 3 --patches --num-workers 4
step sae-peers 150 '^ *(torch|interpkit|interpkit_bf16) |ratio|FVU' "$PY" bench/sae_peers.py --device cuda --quick --cap-seconds 15 --peers torch,interpkit,interpkit_bf16
step retrieval 60 'retrieval_recall \(default\)|CLIP_benchmark|equal numbers' "$PY" bench/retrieval_recall.py --repeats 3
[ $DRY = 1 ] && exit 0

{
    echo; echo "GPU check: $(date -u '+%Y-%m-%d %H:%M UTC'), logs in $LOGS"
    printf '%-12s %-13s %6s  %s\n' step status time 'summary (last matching lines of the log)'
    for r in "${ROWS[@]}"; do echo "$r"; done
} | tee "$LOGS/gpu_check.txt"
printf '%s\n' "${ROWS[@]}" | grep -qE 'FAIL|TIMEOUT' && exit 1
exit 0
