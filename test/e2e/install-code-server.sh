#!/usr/bin/env bash
# Installs code-server (VS Code's workbench and extension host, served to a browser) into
# .e2e/code-server for the end-to-end suite, offline: only the npm registry is reachable, so
# @vscode/ripgrep's download is served from a cache seeded with Debian's rg, and native modules
# build against Node's headers under /usr. code-server 4.100.3 is the newest that runs on Node 20.
# Needs (Debian): ripgrep libkrb5-dev build-essential python3 pkg-config; chromium for the suite.
set -euo pipefail
VERSION=4.100.3
cd "$(dirname "$0")/../.."
DEST="$PWD/.e2e/code-server"
if [ -x "$DEST/node_modules/.bin/code-server" ] && [ "$(cat "$DEST/.installed" 2>/dev/null)" = "$VERSION" ]; then
  echo "code-server $VERSION already in $DEST"
  exit 0
fi
rm -rf "$DEST"
mkdir -p "$DEST"
CACHE="$(mktemp -d)"
trap 'rm -rf "$CACHE"' EXIT
# @vscode/ripgrep looks for its archive in $TMPDIR/vscode-ripgrep-cache-<its version>/ before downloading.
for v in 1.15.9 1.15.10 1.15.11 1.15.14; do
  mkdir -p "$CACHE/vscode-ripgrep-cache-$v"
  tar -czf "$CACHE/vscode-ripgrep-cache-$v/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
  tar -czf "$CACHE/vscode-ripgrep-cache-$v/ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
done
cd "$DEST"
echo '{"name":"e2e-code-server","private":true}' > package.json
TMPDIR="$CACHE" npm_config_nodedir=/usr npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --no-audit --no-fund --no-save "code-server@$VERSION" >"$DEST/install.log" 2>&1 || { tail -40 "$DEST/install.log"; exit 1; }
echo "$VERSION" > "$DEST/.installed"
echo "code-server $VERSION installed in $DEST"
