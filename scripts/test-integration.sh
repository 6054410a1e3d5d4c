#!/usr/bin/env bash
# The integration suite (`npm run test:integration`) in two phases, so that it fits the time CI
# gives it on a 2-core machine without letting two files measure each other.
#
# 1. Alone, one file at a time: files whose assertions depend on a quiet machine (latency and
#    scheduler-lag verdicts, capacity knees, exact schedules compared between runs), and files
#    that load both cores themselves (load workers, high rates, type checkers and validators).
# 2. Two files at a time, longest first: files that start real servers and mostly wait on them
#    (failovers, drills, procedures, reports). Their budgets are far above machine noise (see
#    test/integration/support.ts), each file has its own GAUNTLET_HOME, and ports come from the
#    kernel. The two cluster files are apart (clusterPartition starts when one of the first three
#    ends, in practice beside procedures). A file not named in either list runs in phase 2, last,
#    so a new file is never left out.
#
# Arguments are passed to both node --test invocations (e.g. --test-name-pattern).
set -euo pipefail
cd "$(dirname "$0")/.."

alone=(attribution capacity falsePasses load scaleOut exportK6 kubernetesManifests cloudwatchAlarms compose)
paired=(cluster chaos procedures clusterPartition monitoring tls unplannedEvents externalTargets history ciTemplates ledgerRecall backup report cli capacityInterrupt topology pitr audit clusterAudit dashboards alertRules)

files_of() { for f in "$@"; do echo "test/integration/$f.test.ts"; done; }
mapfile -t first < <(files_of "${alone[@]}")
mapfile -t second < <(files_of "${paired[@]}")
for f in test/integration/*.test.ts; do
  name=$(basename "$f" .test.ts)
  if [[ " ${alone[*]} ${paired[*]} " != *" $name "* ]]; then second+=("$f"); fi
done

status=0
node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${first[@]}" || status=$?
node --import tsx --test --test-concurrency=2 --test-reporter=spec "$@" "${second[@]}" || status=$?
exit "$status"
