# Sourced: ort_install PREFIX installs npm onnxruntime-node@1.30.0 into
# PREFIX/node_modules once (a lock keeps parallel ctest runs from racing).
ort_install() {
  prefix=$1
  mkdir -p "$prefix"
  (
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if [ ! -f "$prefix/node_modules/onnxruntime-node/package.json" ]; then
      echo "installing onnxruntime-node@1.30.0 into $prefix"
      cd "$prefix"
      [ -f package.json ] || echo '{"private": true}' > package.json
      npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >&2
    fi
  ) 9>"$prefix/.install-lock"
}
