#!/usr/bin/env bash
# Idempotent environment set-up for mmddad on a CPU machine without internet
# except the package registries. Installs into the interpreter named by $PYTHON
# (default: python3). A second run installs and builds nothing.
#
# Steps: torch/torchvision -> mmcv 2.1.0 (built from the PyPI source with ops,
# wheel cached outside the repo) -> mmengine, mmpretrain, mmsegmentation and
# friends, ONNX Runtime (tools/deploy.py) -> mmddad in editable mode -> an
# import check.
#
# Environment:
#   PYTHON               interpreter to install into (default: python3)
#   MMDDAD_CACHE         where built wheels are cached (default: ~/.cache/mmddad)
#   MMDDAD_QUIET=1       less pip output
#   MMDDAD_TORCH, MMDDAD_TORCHVISION
#                        the torch pair (default: 2.14.1, 0.29.1; the minimum
#                        stack of tools/check_min_stack.sh sets 2.1.2, 0.16.2)
#   MMDDAD_EXTRAS        mmddad's extras (default: tests,deploy)
#   MMDDAD_CONSTRAINTS   a pip constraints file applied to every install
set -euo pipefail

PYTHON=${PYTHON:-python3}
CACHE=${MMDDAD_CACHE:-$HOME/.cache/mmddad}
TORCH_VERSION=${MMDDAD_TORCH:-2.14.1}
TORCHVISION_VERSION=${MMDDAD_TORCHVISION:-0.29.1}
EXTRAS=${MMDDAD_EXTRAS:-tests,deploy}
MMCV_VERSION=2.1.0
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PIP=("$PYTHON" -m pip install --disable-pip-version-check)
[[ "${MMDDAD_QUIET:-0}" == 1 ]] && PIP+=(-q)
[[ -n "${MMDDAD_CONSTRAINTS:-}" ]] && PIP+=(-c "$MMDDAD_CONSTRAINTS")

step() { printf '\n[mmddad setup] %s\n' "$*"; }
fail() {
  printf '\n[mmddad setup] FAILED: %s\n' "$1" >&2
  printf '[mmddad setup] Nothing was marked as installed; fix the cause and re-run: bash tools/setup_env.sh\n' >&2
  exit 1
}

# Python one-liner that exits 0 iff the installed version of $1 equals $2.
has_version() {
  "$PYTHON" - "$1" "$2" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    sys.exit(0 if version(sys.argv[1]).split('+')[0] == sys.argv[2] else 1)
except PackageNotFoundError:
    sys.exit(1)
PY
}

final_check() {
  MMDDAD_EXTRAS="$EXTRAS" "$PYTHON" - <<'PY'
import os
import mmcv.ops  # noqa: F401  (compiled ops are required by mmseg)
import mmseg.models  # noqa: F401
import mmpretrain.models  # noqa: F401
import mmddad  # noqa: F401
import mmcv, mmengine, mmseg, mmpretrain, torch
deploy = ''
if 'deploy' in os.environ.get('MMDDAD_EXTRAS', 'tests,deploy'):
    import onnx, onnxruntime, onnxscript  # noqa: F401  (tools/deploy.py)
    deploy = f', onnxruntime {onnxruntime.__version__}'
print(f'[mmddad setup] OK: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), '
      f'mmengine {mmengine.__version__}, mmpretrain {mmpretrain.__version__}, '
      f'mmseg {mmseg.__version__}{deploy}, mmddad {mmddad.__version__}')
PY
}

# mmddad must be importable from *this* checkout (editable install).
mmddad_is_here() {
  local found
  found=$(cd / && "$PYTHON" -c 'import os, mmddad; print(os.path.dirname(os.path.dirname(os.path.abspath(mmddad.__file__))))' 2>/dev/null) || return 1
  [[ "$found" == "$REPO_ROOT" ]]
}

# OpenMMLab's `mim` finds configs and tools under mmddad/.mim (made by the
# editable install) and is installed with the tests extra.
mim_ready() {
  [[ -e "$REPO_ROOT/mmddad/.mim/configs" ]] && "$PYTHON" -c 'import mim' 2>/dev/null
}

# Fast path: everything already there.
if has_version torch "$TORCH_VERSION" && has_version mmcv "$MMCV_VERSION" \
    && mmddad_is_here && mim_ready && final_check 2>/dev/null; then
  exit 0
fi

step "python: $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"

# 1. torch ------------------------------------------------------------------
if has_version torch "$TORCH_VERSION" && has_version torchvision "$TORCHVISION_VERSION"; then
  step "torch $TORCH_VERSION already installed"
else
  step "installing torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION"
  "${PIP[@]}" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" \
    || fail "pip could not install torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION"
fi

# Build requirements of mmcv (no build isolation: it compiles against this torch).
"${PIP[@]}" 'setuptools<81' wheel ninja 'numpy' 'opencv-python<5' \
  || fail "pip could not install the build requirements (setuptools<81, wheel, ninja, opencv-python<5)"

# 2. mmcv with ops -----------------------------------------------------------
PYTAG=$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
ARCH=$(uname -m)
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYTAG-$ARCH"
if has_version mmcv "$MMCV_VERSION" && "$PYTHON" -c 'import mmcv.ops' 2>/dev/null; then
  step "mmcv $MMCV_VERSION with ops already installed"
else
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    step "building mmcv $MMCV_VERSION with ops from source (about 13 min on 2 cores; cached in $WHEEL_DIR)"
    BUILD=$(mktemp -d "${TMPDIR:-/tmp}/mmcv-build.XXXXXX")
    trap 'rm -rf "$BUILD"' EXIT
    "$PYTHON" -m pip download --disable-pip-version-check --no-deps --no-binary :all: \
      "mmcv==$MMCV_VERSION" -d "$BUILD" || fail "could not download the mmcv==$MMCV_VERSION source"
    tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    # torch >= 2.13 headers need C++20; mmcv 2.1.0 forces c++14/17.
    if "$PYTHON" -c 'import sys, torch; sys.exit(tuple(map(int, torch.__version__.split(".")[:2])) < (2, 13))'; then
      sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$SRC/setup.py"
      grep -q -- '-std=c++20' "$SRC/setup.py" || fail "could not patch the C++ standard in mmcv's setup.py"
    fi
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
      "$PYTHON" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps \
      -w "$BUILD/dist" . ) > "$BUILD/build.log" 2>&1 \
      || { tail -n 40 "$BUILD/build.log" >&2; cp "$BUILD/build.log" "${TMPDIR:-/tmp}/mmcv-build-failed.log";
           fail "building mmcv $MMCV_VERSION failed (full log: ${TMPDIR:-/tmp}/mmcv-build-failed.log)"; }
    mkdir -p "$WHEEL_DIR.tmp"
    cp "$BUILD"/dist/mmcv-*.whl "$WHEEL_DIR.tmp"/
    rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"  # publish atomically
  else
    step "reusing cached mmcv wheel from $WHEEL_DIR"
  fi
  "${PIP[@]}" --no-deps "$WHEEL_DIR"/mmcv-*.whl || fail "could not install the cached mmcv wheel (delete $WHEEL_DIR to rebuild)"
  "${PIP[@]}" addict packaging Pillow pyyaml yapf 'opencv-python<5' \
    || fail "could not install mmcv's runtime requirements"
fi

# 3. OpenMMLab libraries and mmddad -----------------------------------------------
step "installing mmddad (editable) with mmengine, mmpretrain, mmsegmentation, onnxruntime"
"${PIP[@]}" -e "$REPO_ROOT[$EXTRAS]" "mmcv==$MMCV_VERSION" 'opencv-python<5' \
  || fail "pip could not install mmddad and its OpenMMLab dependencies"

step "checking imports"
final_check || fail "the import check (mmcv.ops, mmseg.models, mmpretrain.models, mmddad) failed"
