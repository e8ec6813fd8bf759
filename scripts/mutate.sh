#!/usr/bin/env bash
# Mutation check of the files that hold the rules of a run (issue 19): gremlins mutates
# only those files, and runs only the tests that guard them (GOFLAGS -run), so that a
# surviving mutant points at a rule no test would notice breaking.
#
# Each line below: package folder, the rule files in it, the tests that guard them.
# A mutant that survives must be killed by a new test or explained in
# scripts/mutants-explained.txt ("MUTATOR at FILE:LINE:COL  why"); any other fails the run.
# gremlins reports a switch's `case` expressions as NOT COVERED (Go's coverage gives a case
# clause's expression no block of its own), though the tests run them: those are listed
# at the end of a run, to be applied by hand when a rule file changes.
set -uo pipefail
cd "$(dirname "$0")/.."
GREMLINS=${GREMLINS:-$(go env GOPATH)/bin/gremlins}
TAGS=${TAGS:-migrated_fynedo}
OUT=${MUTATE_OUT:-bin/mutate}
mkdir -p "$OUT"

targets=(
  "core/restore|rules.go wrongapp.go wrongapp_engine.go busy.go guards.go journalfirst.go|${MUTATE_RUN_RESTORE:-Test(CheckFit|SharedTables|WrongAppGuardWithRealDumps|ParseModelVersion|Busy|ProductionGuard|JournalLocked|Plan_|PlanConfirmWith|DeclinedConfirmation|OlderModel|DumpOfAnotherDatabase|Restorable|FlexibleProduction|StopOfProduction|LocalRestoreNotRecorded|EveryCloudStep|GitStyle|Ambiguous)}"
  "core/localdb|rowcheck.go early.go|Test(CheckRows|EarlyCount|RestoreCountsTablesWhilePgRestoreRuns|RestoreLeavesNoConnectionBehind|InterleavedOutput)"
  "core/download|hashpipe.go transfer.go tee.go|${MUTATE_RUN_DOWNLOAD:-Test}"
)

status=0
for t in "${targets[@]}"; do
  IFS='|' read -r pkg files run <<<"$t"
  # MUTATE_PKGS="core/restore core/localdb" mutates only those packages' rule files.
  if [ -n "${MUTATE_PKGS:-}" ] && [[ " $MUTATE_PKGS " != *" $pkg "* ]]; then
    continue
  fi
  # gremlins takes files to leave out: every Go file of the package but the rule files,
  # and the sub-packages (test helpers).
  exclude=()
  for f in "$pkg"/*.go; do
    base=$(basename "$f")
    case " $files " in *" $base "*) continue ;; esac
    # Anchored, dots escaped: "engine.go$" alone would also leave out wrongapp_engine.go.
    exclude+=(-E "(^|/)${base//./\\.}\$")
  done
  for d in "$pkg"/*/; do
    [ -d "$d" ] && exclude+=(-E "^$(basename "$d")/")
  done
  name=${pkg//\//-}
  echo "mutate: $pkg ($files) with tests matching $run"
  GOFLAGS="-tags=$TAGS -run=$run" "$GREMLINS" unleash --tags "$TAGS" "${exclude[@]}" \
    --workers 1 --timeout-coefficient 4 -o "$OUT/$name.json" "./$pkg" >"$OUT/$name.txt" 2>&1 || status=1
  grep -E 'Killed:|Timed out:|efficacy|coverage|completed' "$OUT/$name.txt"
  while read -r state mutator _at where; do
    key="$mutator at $pkg/$where"
    if grep -qF "$key" scripts/mutants-explained.txt 2>/dev/null; then
      echo "  explained: $key"
    else
      echo "  SURVIVED:  $key"
      status=1
    fi
  done < <(grep -E '^ *(LIVED|TIMED OUT) ' "$OUT/$name.txt" | sed 's/TIMED OUT/TIMED_OUT/')
  grep -E '^ *NOT COVERED ' "$OUT/$name.txt" | sed "s|^ *|  not covered (gremlins' coverage): |"
done
echo "mutate: reports in $OUT/ (one .txt and .json per package)"
exit $status
