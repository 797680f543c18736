#!/usr/bin/env bash
# npm test: installs what is missing, brings up Kafka and PostgreSQL if they are not running (and
# stops only what it started, also on failure or Ctrl-C), typechecks, lints, runs the unit tests on
# Node 22 too, runs every Jest project and ends with exactly one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

results=$omnibus_home/test-results.json
rm -f "$results"
STARTED_KAFKA=0
STARTED_POSTGRES=0
checks_failed=0
jest_code=0

summary() {
  [ -f "$results" ] || { echo "0 passed, 1 failed"; return; }
  node -e '
    const r = require(process.argv[1]);
    // A suite that could not run (syntax error, failing import, hook crash) counts as one failed test.
    const broken = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.every((a) => a.status !== "failed")).length;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + broken + Number(process.argv[2])} failed`);
  ' "$results" "$checks_failed"
}

finish() {
  local code=$?
  trap - EXIT INT TERM
  [ "$STARTED_KAFKA" = 1 ] && node -r @swc-node/register scripts/infra.ts stop-kafka
  [ "$STARTED_POSTGRES" = 1 ] && node -r @swc-node/register scripts/infra.ts stop-postgres
  local line
  line=$(summary)
  [[ $line == *" 0 failed" ]] || [ $code != 0 ] || code=1
  echo "$line"
  exit $code
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "dependencies"
ensure_node_modules || exit 1
if [ -f apps/odoo-sim/test/install-python-client.sh ]; then
  bash apps/odoo-sim/test/install-python-client.sh || exit 1
fi

step "Kafka and PostgreSQL"
infra_out=$(mktemp)
node -r @swc-node/register scripts/infra.ts up >"$infra_out"
infra_code=$?
# The assignments are read even after a failure: what was started before it must still be stopped.
eval "$(cat "$infra_out")"
rm -f "$infra_out"
[ $infra_code = 0 ] || exit 1

step "typecheck"
if typecheck; then echo "  ok"; else checks_failed=1; echo "typecheck failed (counted as one failure)"; fi

step "lint (module boundaries)"
if lint; then echo "  ok"; else checks_failed=$((checks_failed + 1)); echo "lint failed (counted as one failure)"; fi

step "unit tests on Node 22"
if node22=$(ensure_node22); then
  if unit_tests_on "$node22"; then echo "  ok"; else checks_failed=$((checks_failed + 1)); echo "unit tests on Node 22 failed (counted as one failure)"; fi
else
  echo "  skipped: Node 22 is not available here ($node22_package, reason above); the unit tests ran on Node $(node --version) only"
fi

step "jest"
npx jest --ci --maxWorkers=2 --json --outputFile="$results" || jest_code=$?
[ $checks_failed = 0 ] && [ $jest_code = 0 ]
