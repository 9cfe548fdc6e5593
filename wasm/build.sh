#!/usr/bin/env sh
# Builds wasm/kernel.wasm from wasm/kernel.c with Debian's clang and lld (apt-get install clang lld).
# The output is deterministic: same compiler version, same flags, same bytes. The built file is committed,
# so installing netsieve needs no C compiler; test/regex/kernel-build.test.ts checks this script
# reproduces the committed file byte for byte wherever clang is installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/kernel.wasm"}
CC=${CC:-clang}
command -v "$CC" >/dev/null 2>&1 || { echo "build:wasm: $CC not found (Debian: apt-get install clang lld)" >&2; exit 2; }
cd "$here"
"$CC" --target=wasm32 -O3 -msimd128 -mbulk-memory -mmutable-globals -nostdlib -ffreestanding \
  -fno-builtin-memcpy -ffile-prefix-map="$here"=. -g0 \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export-dynamic -Wl,--export=__heap_base -Wl,--strip-debug \
  -Wl,-z,stack-size=65536 -Wl,--stack-first -Wl,--initial-memory=1048576 -Wl,--growable-table \
  -o "$out" kernel.c
