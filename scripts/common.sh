# Shared by scripts/test.sh and scripts/demo.sh: install what is missing,
# then configure and build incrementally.
set -euo pipefail

SPACEEVO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SPACEEVO_BUILD_DIR:-$SPACEEVO_ROOT/build}"

# Every Debian package the build, tests and demo need (sqlite3: lit tests
# turn a cost database back into an older schema).
SPACEEVO_PACKAGES=(
  cmake ninja-build g++ python3
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  zlib1g-dev libzstd-dev
  libgtest-dev libbenchmark-dev libsqlite3-dev
  libdnnl-dev libhalide14-0-dev libonnx-dev libonnx-testdata libprotobuf-dev
  python3-onnx
  sqlite3
)
# Node.js and npm run ONNX Runtime (npm onnxruntime-node) for the
# cross-check; Debian's packages are installed only when no node/npm is on
# the PATH (a NodeSource node already ships its own npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SPACEEVO_PACKAGES+=(nodejs npm)
fi

ensure_packages() {
  local missing=()
  for pkg in "${SPACEEVO_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]})); then
    echo "== installing missing packages: ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

configure_and_build() {
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    echo "== configuring in $BUILD_DIR"
    cmake -G Ninja -S "$SPACEEVO_ROOT" -B "$BUILD_DIR" \
      -DCMAKE_BUILD_TYPE=Release "$@"
  fi
  echo "== building"
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}
