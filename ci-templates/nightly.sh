#!/usr/bin/env bash
# The nightly gate's steps, shared by both CI templates (github/gauntlet-nightly.yml,
# gitlab/gauntlet-nightly.gitlab-ci.yml) and run locally by test/integration/ciTemplates.test.ts.
# docs/nightly.md explains the set-up.
#
# Before it runs, the CI has put the previous night's artefact into $GAUNTLET_NIGHTLY_DIR (only
# its history/ is used). It then:
#   1. runs gauntlet with --baseline auto --history $DIR/history: the newest passing earlier night
#      of the same scenario, target kind and settings is the baseline (none on the first night);
#   2. copies tonight's junit.xml to $DIR/junit.xml and tonight's run into $DIR/history/ (the
#      newest $GAUNTLET_KEEP_NIGHTS nights are kept);
#   3. draws the trend page of the history into $DIR/trend/ (`gauntlet history`, drift rule);
#   4. writes $DIR/outcome and exits: 0 success; 1 failure (a threshold failed, a regression
#      against the baseline, or a slow drift across nights; a lost write is always 1); 2 rerun (the
#      night was invalid: the generator fell behind its schedule, its own stalls made the latency
#      breach, or the run was stopped early; not a regression); 3, 4, 70 error (set-up, target, bug).
# The artefact to publish is all of $DIR: report/ (tonight's run), junit.xml, trend/, history/.
#
# Settings (environment):
#   GAUNTLET_SCENARIO      scenario name or file (default steady-50k)
#   GAUNTLET_TARGET        target file (passwords come from the variables its passwordEnv fields
#                          name); empty: the embedded topology
#   GAUNTLET_CHAOS         chaos experiment (empty: none)
#   GAUNTLET_RUN_ARGS      more `gauntlet run` flags, split on spaces (e.g. "--durable")
#   GAUNTLET_HISTORY_ARGS  `gauntlet history` drift-rule flags (e.g. "--window 10 --rising 8")
#   GAUNTLET_NIGHTLY_DIR   working and artefact directory (default nightly)
#   GAUNTLET_KEEP_NIGHTS   nights kept in history/ (default 30)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${GAUNTLET_NIGHTLY_DIR:-nightly}"
KEEP="${GAUNTLET_KEEP_NIGHTS:-30}"
gauntlet() { node "$ROOT/bin/gauntlet.js" "$@"; }

history="$DIR/history"
report="$DIR/report"
trend="$DIR/trend"
mkdir -p "$history"
# Only history/ carries over from the previous night's artefact.
rm -rf "$report" "$trend" "$DIR/junit.xml" "$DIR/outcome"

args=(run --scenario "${GAUNTLET_SCENARIO:-steady-50k}" --out "$report" --baseline auto --history "$history")
if [ -n "${GAUNTLET_TARGET:-}" ]; then args+=(--target "$GAUNTLET_TARGET"); fi
if [ -n "${GAUNTLET_CHAOS:-}" ]; then args+=(--chaos "$GAUNTLET_CHAOS"); fi
read -r -a extra <<<"${GAUNTLET_RUN_ARGS:-}"
echo "gauntlet nightly: gauntlet ${args[*]} ${extra[*]}"
gauntlet "${args[@]}" "${extra[@]}"
code=$?

run_dir=""
if [ -L "$report/latest" ]; then run_dir="$report/$(readlink "$report/latest")"; fi
if [ -n "$run_dir" ] && [ -d "$run_dir" ]; then
  cp "$run_dir/junit.xml" "$DIR/junit.xml"
  cp -R "$run_dir" "$history/"
  # Run directories are named <UTC timestamp>-<scenario>-<random>: sorted by name is oldest first.
  find "$history" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | head -n "-$KEEP" | while read -r old; do rm -rf "${history:?}/$old"; done
fi

drift=0
if find "$history" -name summary.json -print -quit | grep -q .; then
  read -r -a history_args <<<"${GAUNTLET_HISTORY_ARGS:-}"
  gauntlet history "$history" --out "$trend" "${history_args[@]}"
  case $? in
    0) ;;
    1) drift=1 ;;
    *) echo "gauntlet nightly: the trend page could not be drawn (see above); the gate goes by tonight's run alone" ;;
  esac
fi

say() {
  echo "$1" >"$DIR/outcome"
  echo "gauntlet nightly: $1: $2"
}
case $code in
  0)
    if [ "$drift" = 1 ]; then
      say failure "tonight passed, but the drift rule fired across the passing nights: see $trend/index.html"
      exit 1
    fi
    say success "every threshold held${run_dir:+ ($run_dir)}"
    ;;
  1) say failure "a threshold failed or tonight regressed against the baseline: read ${run_dir:-the report}/index.html (the verdict and the failing thresholds first), then the comparison above" ;;
  2) say rerun "tonight's run was invalid (the generator fell behind or stalled, or the run was stopped early: the report's verdict says which), so its figures say nothing about the target. Not a regression: rerun the job" ;;
  *) say error "gauntlet could not run (exit $code: 3 set-up or usage, 4 target unreachable or refusing, 70 a bug): see the log above" ;;
esac
exit "$code"
