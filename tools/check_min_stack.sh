#!/usr/bin/env bash
# The minimum stack of the GPU route, built and checked on a CPU machine:
# a virtual environment with torch 2.1.2 and torchvision 0.16.2 (the newest
# torch with prebuilt mmcv 2.1.0 CUDA wheels), mmcv 2.1.0 built for it with
# its ops, the same mmengine / mmpretrain / mmsegmentation as the CPU route,
# then `import mmddad` and the smoke subset of the tests (pytest -m smoke:
# safe-checkpoint refusals, training DDAD and Fast-DDAD configs, save,
# resume, tools/test.py, export).
#
# Idempotent and cached like tools/setup_env.sh (which it calls): the venv and
# the mmcv wheel live under $MMDDAD_CACHE (default ~/.cache/mmddad); a second
# run builds nothing.
#
# Usage:
#   bash tools/check_min_stack.sh               # build what is missing, test
#   bash tools/check_min_stack.sh --if-cached   # test only if already built
#                                                # (what .ci/run does)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MMDDAD_CACHE:-$HOME/.cache/mmddad}
MIN_TORCH=2.1.2
MIN_TORCHVISION=0.16.2
VENV=${MMDDAD_MIN_VENV:-$CACHE/venv-torch$MIN_TORCH}
say() { printf '[mmddad min-stack] %s\n' "$*"; }

if [[ "${1:-}" == "--if-cached" && ! -f "$VENV/.mmddad-ready" ]]; then
  say "no minimum stack in $VENV: skipped (build it with: bash tools/check_min_stack.sh)"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating the virtual environment $VENV"
  python3 -m venv "$VENV"
fi
# torch 2.1 was built against numpy 1.x
printf 'numpy<2\n' > "$VENV/constraints.txt"

PYTHON="$VENV/bin/python" MMDDAD_TORCH=$MIN_TORCH \
  MMDDAD_TORCHVISION=$MIN_TORCHVISION MMDDAD_EXTRAS=tests \
  MMDDAD_CONSTRAINTS="$VENV/constraints.txt" MMDDAD_CACHE="$CACHE" \
  bash "$REPO_ROOT/tools/setup_env.sh"
touch "$VENV/.mmddad-ready"

cd "$REPO_ROOT"
"$VENV/bin/python" -c 'import torch, mmcv, mmddad; print(f"[mmddad min-stack] import mmddad OK: torch {torch.__version__}, mmcv {mmcv.__version__}, mmddad {mmddad.__version__}")'
"$VENV/bin/python" -m pytest tests -m smoke -q -p no:cacheprovider
