#!/usr/bin/env bash
# Usage: install.sh NODE_DIR
# Installs the pinned JavaScript readers of package-lock.json (cytoscape, graphology,
# graphology-gexf) under NODE_DIR with `npm ci` (no global install; nothing is written into
# the source tree). Skipped when NODE_DIR already holds the same package-lock.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
mkdir -p "$dir"
if [ -f "$dir/node_modules/graphology-gexf/package.json" ] && cmp -s "$here/package-lock.json" "$dir/package-lock.json"; then
    exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$dir/"
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
