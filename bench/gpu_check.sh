#!/usr/bin/env bash
# Every GPU check of the project in one call of a lent GPU machine (device time is scarce: one run).
# Usage (on the GPU machine, repository root): OUT=/some/dir bash bench/gpu_check.sh
# KERNEL_ARGS (default --quick) and VDIT_NAMES (baselines, comma-separated) choose what a later run measures.
# 1. kernels: bench/kernels_gpu.py --quick (correctness vs float64, speed at 32k, every method, tiles);
# 2. vdit test-long (32,896 tokens, 4 seeds): bench/vdit.py on the GPU worker's path (SPARSEBENCH_DEVICE=cuda).
# 3. models: bench/gpu_check.py (frontier and vdit-e2e test-long, dense against a method, models on CUDA).
# Each section has its own time limit and writes its table under $OUT as it goes.
set -u
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 SPARSEBENCH_DEVICE=cuda
PY=${PY:-python3}
KERNELS_S=${KERNELS_S:-240}
VDIT_S=${VDIT_S:-170}
MODELS_S=${MODELS_S:-150}
KERNEL_ARGS=${KERNEL_ARGS:---quick}
VDIT_NAMES=${VDIT_NAMES:-Dense,PSA wan2.1-1.3b,BLADE ASA_G wan2.1-1.3b,BLADE ASA,Sparse-vDiT multi-diagonal,Sparse-vDiT diagonal}
IFS=, read -r -a NAMES <<< "$VDIT_NAMES"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv
  "$PY" -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__, torch.cuda.get_device_name(0))"
  nproc
} 2>&1 | tee "$OUT/machine.txt"
echo "== kernels (limit ${KERNELS_S} s)"
# shellcheck disable=SC2086
timeout "$KERNELS_S" "$PY" bench/kernels_gpu.py $KERNEL_ARGS --out "$OUT/kernels_gpu.md" > "$OUT/kernels_gpu.log" 2>&1
echo "kernels exit $?"
tail -5 "$OUT/kernels_gpu.log"
echo "== vdit test-long (limit ${VDIT_S} s)"
timeout "$VDIT_S" "$PY" bench/vdit.py --phase test-long --names "${NAMES[@]}" > "$OUT/vdit_test_long.md" 2>&1
echo "vdit exit $?"
cat "$OUT/vdit_test_long.md" | tail -12
echo "== models: frontier and vdit-e2e test-long (limit ${MODELS_S} s)"
timeout "$MODELS_S" "$PY" bench/gpu_check.py --out "$OUT/models_gpu.md" > "$OUT/models_gpu.log" 2>&1
echo "models exit $?"
tail -8 "$OUT/models_gpu.log"
echo "== tables"
cat "$OUT/kernels_gpu.md" 2>/dev/null | head -80
