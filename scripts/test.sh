#!/usr/bin/env bash
# Builds spaceevo and runs the whole test suite (GoogleTest + lit), ending
# with ctest's summary. Installs missing Debian packages first.
source "$(dirname "$0")/common.sh"
ensure_packages
configure_and_build
echo "== testing"
cd "$BUILD_DIR"
ctest --output-on-failure "$@"
