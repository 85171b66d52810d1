#!/usr/bin/env bash
# The Rust kit's raw bindings (plugins/rust/adapter-search-plugin/src/raw.rs)
# are written by hand from plugins/include/adapter_search.h and record the
# SHA-256 of the header they match (raw::HEADER_SHA256). The host tests
# (RustPluginKitTests) fail when the header's digest differs.
#
#   bash tools/rust_bindings_digest.sh            # check: exit 1 if they differ
#   bash tools/rust_bindings_digest.sh --record   # write the header's digest into raw.rs
#
# Record only after updating raw.rs to the changed header and running the
# kit's tests, whose layout test compares every size, offset and constant:
#   cd plugins/rust && RUSTC=/usr/bin/rustc /usr/bin/cargo test --offline
set -euo pipefail
cd "$(dirname "$0")/.."

header=plugins/include/adapter_search.h
bindings=plugins/rust/adapter-search-plugin/src/raw.rs
current=$(sha256sum "$header" | cut -d' ' -f1)
recorded=$(sed -n 's/^pub const HEADER_SHA256: &str = "\([0-9a-f]\{64\}\)";$/\1/p' "$bindings")
if [ -z "$recorded" ]; then
    echo "rust_bindings_digest: no HEADER_SHA256 line in $bindings" >&2
    exit 2
fi

if [ "${1:-}" = "--record" ]; then
    sed -i "s/^pub const HEADER_SHA256: &str = \"[0-9a-f]\{64\}\";$/pub const HEADER_SHA256: \&str = \"$current\";/" "$bindings"
    echo "rust_bindings_digest: recorded $current in $bindings"
elif [ "$current" = "$recorded" ]; then
    echo "rust_bindings_digest: $bindings matches $header ($current)"
else
    echo "rust_bindings_digest: $header ($current) changed since $bindings was written ($recorded):" >&2
    echo "  update the bindings, run the kit's tests, then: bash $0 --record" >&2
    exit 1
fi
