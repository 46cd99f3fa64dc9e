#!/usr/bin/env bash
# Builds the project's environment in .venv/ from requirements/pins.txt (see README.md, "Setup").
#
# The same script builds the oldest supported stack for `make test-compat`:
#   PINS=requirements/compat.txt VENV=.venv-compat PROJECT_DEPS=resolve bash tools/setup_env.sh
#   PINS          the constraints file (default requirements/pins.txt; relative paths are from the repository root)
#   VENV          the virtual environment to build (default .venv)
#   PROJECT_DEPS  how the project itself is installed: `none` (default) with --no-deps; `resolve` with a plain
#                 `pip install -e .` (dependencies resolved, constrained by PINS), which must install or change
#                 nothing but the project: it proves the plugin drops into an existing OpenMMLab environment.
#
# Idempotent: run it again and it only installs what is missing. The slow part, compiling mmcv with
# its C++ ops (about 15 minutes on 2 cores), happens once per machine: the built wheel is cached
# outside the repository, keyed on the (mmcv, torch, python) versions, because pip's own wheel cache
# does not key on torch and would silently reuse a wheel built against another torch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
PINS="$(abspath "${PINS:-requirements/pins.txt}")"
VENV="$(abspath "${VENV:-.venv}")"
PROJECT_DEPS="${PROJECT_DEPS:-none}"
PYTHON="${PYTHON:-python3}"
CACHE="${UNIFORMER_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uniformer-dense/wheels}"

die() {
    printf '\nsetup: %s\n' "$1" >&2
    exit 1
}
step() { printf '\n==> %s\n' "$*"; }
pin() {  # pin NAME -> the version pinned in $PINS
    local v
    v=$(grep -iE "^$1==" "$PINS" | head -n1 | cut -d= -f3 | awk '{print $1}')
    [ -n "$v" ] || die "no pin for '$1' in $PINS"
    echo "$v"
}

version_ge() {  # version_ge A B -> true when version A >= version B
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# ---- what setup cannot do without -------------------------------------------------------------
[ -f "$PINS" ] || die "constraints file '$PINS' not found."
case "$PROJECT_DEPS" in none|resolve) ;; *) die "PROJECT_DEPS must be 'none' or 'resolve', not '$PROJECT_DEPS'." ;; esac
command -v "$PYTHON" >/dev/null 2>&1 \
    || die "'$PYTHON' not found. Install Python 3.11 (e.g. 'apt-get install python3.11 python3.11-venv python3.11-dev') or point PYTHON=/path/to/python3.11 at one."
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$PYVER" in
    3.10|3.11|3.12) ;;
    *) die "Python $PYVER is not supported (torch $(pin torch) and mmcv $(pin mmcv) need 3.10-3.12; 3.11 is tested). Install python3.11 and run: make setup PYTHON=python3.11" ;;
esac
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || die "Python $PYVER has no venv/ensurepip module. Install it (Debian: 'apt-get install python${PYVER}-venv')."
for tool in gcc g++; do
    command -v "$tool" >/dev/null 2>&1 \
        || die "no C/C++ compiler ('$tool' not found); mmcv's ops and xtcocotools are compiled from source. Install one (Debian: 'apt-get install build-essential')."
done
PYINC=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$PYINC/Python.h" ] \
    || die "Python headers missing ($PYINC/Python.h); needed to compile mmcv. Install them (Debian: 'apt-get install python${PYVER}-dev')."

# ---- the virtual environment -------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV with $PYTHON ($PYVER)"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check --progress-bar off -c "$PINS")

step "build tools"
"${PIP[@]}" setuptools wheel ninja psutil cython numpy

step "torch $(pin torch) + torchvision $(pin torchvision) (a large download the first time)"
"${PIP[@]}" torch torchvision

step "mmengine and the OpenMMLab runtime needs"
"${PIP[@]}" mmengine ftfy regex json_tricks munkres scipy matplotlib opencv-python pycocotools pytest timm

# ---- mmcv with its C++ ops, compiled once per (mmcv, torch, python) -----------------------------
MMCV=$(pin mmcv)
TORCH=$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')
WHEEL_DIR="$CACHE/mmcv-$MMCV-torch$TORCH-py$PYVER"
if ! "$PY" -c "import mmcv, sys; from mmcv.ops import nms, RoIAlign; sys.exit(mmcv.__version__ != '$MMCV')" 2>/dev/null; then
    if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
        step "compiling mmcv $MMCV with its ops against torch $TORCH (about 15 minutes on 2 cores, once per machine)"
        BUILD=$(mktemp -d)
        trap 'rm -rf "$BUILD"' EXIT
        "$PY" -m pip download --disable-pip-version-check --no-deps --no-build-isolation \
            --no-binary :all: "mmcv==$MMCV" -d "$BUILD"
        tar xzf "$BUILD"/mmcv-"$MMCV".tar.gz -C "$BUILD"
        # torch >= 2.10 headers need C++20; mmcv 2.1.0 asks for C++17 (which older torch builds with).
        if version_ge "$TORCH" 2.10; then
            grep -q "\['-std=c++17'\]" "$BUILD/mmcv-$MMCV/setup.py" \
                || die "mmcv $MMCV's setup.py no longer contains ['-std=c++17']; update the C++20 switch."
            sed -i "s/\['-std=c++17'\]/['-std=c++20']/" "$BUILD/mmcv-$MMCV/setup.py"
        fi
        # Without --no-build-isolation torch is missing in the build and the ops are silently skipped.
        MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "$PY" -m pip wheel --disable-pip-version-check \
            --no-build-isolation --no-deps "$BUILD/mmcv-$MMCV" -w "$BUILD/wheel"
        mkdir -p "$CACHE"
        # Publish atomically: a killed build never leaves a half-written wheel in the cache.
        mv "$BUILD/wheel" "$WHEEL_DIR.tmp.$$" && mv -T "$WHEEL_DIR.tmp.$$" "$WHEEL_DIR"
    fi
    step "installing mmcv $MMCV from $WHEEL_DIR"
    "${PIP[@]}" "$WHEEL_DIR"/mmcv-*.whl
fi

# ---- xtcocotools: its wheel is built for numpy 1 and crashes with numpy 2 ------------------------
if ! "$PY" -c "import xtcocotools.coco" 2>/dev/null; then
    NUMPY=$("$PY" -c 'import numpy; print(numpy.__version__)')
    if version_ge "$NUMPY" 2; then
        step "building xtcocotools $(pin xtcocotools) against numpy $NUMPY"
        "${PIP[@]}" --no-build-isolation --no-binary xtcocotools xtcocotools
    else
        step "xtcocotools $(pin xtcocotools) (its wheel, built for numpy 1, fits numpy $NUMPY)"
        "${PIP[@]}" xtcocotools
    fi
fi

step "mmdet, mmsegmentation, mmpose (without chumpy, which does not build and is never imported)"
"${PIP[@]}" mmdet mmsegmentation
"${PIP[@]}" --no-deps mmpose

step "onnx and onnxruntime (the deploy extra: ONNX export and its onnxruntime check, tools/deploy/)"
"${PIP[@]}" onnx onnxruntime

if [ "$PROJECT_DEPS" = none ]; then
    step "the project itself (editable)"
    "${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
else
    # What a user does in an existing OpenMMLab environment: a plain `pip install -e .`, dependencies resolved
    # (within $PINS). It must install nothing but the project and change no installed package; a pyproject.toml
    # whose ranges exclude this stack fails here, loudly, instead of silently upgrading torch or mmcv.
    step "the project itself (editable, dependencies resolved: must install or change nothing else)"
    REPORT=$(mktemp)
    "${PIP[@]}" --dry-run --quiet --report "$REPORT" -e "$ROOT"
    "$PY" - "$REPORT" <<'EOF' || die "'pip install -e .' would install or change other packages (listed above); pyproject.toml's requirements do not fit $PINS."
import json, sys
items = json.load(open(sys.argv[1]))['install']
others = [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items
          if i['metadata']['name'].lower().replace('_', '-') != 'uniformer-dense']
for o in others:
    print(f'  would install or change: {o}', file=sys.stderr)
sys.exit(1 if others else 0)
EOF
    rm -f "$REPORT"
    BEFORE=$("$PY" -m pip freeze --disable-pip-version-check --exclude-editable | grep -viE '^uniformer[-_]dense' || true)
    "${PIP[@]}" -e "$ROOT"
    AFTER=$("$PY" -m pip freeze --disable-pip-version-check --exclude-editable | grep -viE '^uniformer[-_]dense' || true)
    if [ "$BEFORE" != "$AFTER" ]; then
        diff <(echo "$BEFORE") <(echo "$AFTER") >&2 || true
        die "'pip install -e .' changed installed packages (diff above)."
    fi
fi

step "checking the stack"
"$PY" - <<'EOF'
import torch, mmengine, mmcv, mmdet, mmseg, mmpose, onnx, onnxruntime, backbones  # noqa: F401
from mmcv.ops import nms, RoIAlign  # noqa: F401
print(f'torch {torch.__version__}, mmengine {mmengine.__version__}, mmcv {mmcv.__version__}, '
      f'mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, mmpose {mmpose.__version__}, '
      f'onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}: ok')
EOF
