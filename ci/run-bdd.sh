#!/usr/bin/env bash
# The one script the CI workflows call, and that a person runs the same way:
#
#   ci/run-bdd.sh [--no-setup] [PYTEST ARGS...]        run the features, then the reports
#   ci/run-bdd.sh --report-only [--results DIR ...]    only the reports, from results already there
#
#   ci/run-bdd.sh                                      every scenario, embedded local enver
#   ci/run-bdd.sh --enver mock -n 2                    the deployed mock enver, two workers
#   ci/run-bdd.sh -m smoke --num-shards 2 --shard-id 0 --reruns 1
#
# 1. setup (skipped with --no-setup or ODMD_CI_SETUP=0): `make setup` (the venv, the package,
#    its dev tools) and `npm ci` (Allure 3 into node_modules/, never globally);
# 2. `pytest features/ ARGS` → reports/allure-results/, reports/junit.xml, reports/pytest.log;
# 3. `npx allure generate` → reports/allure-report/index.html (one self-contained file, allurerc.yaml);
# 4. `python -m odmd_bdd.reporting.summary` → reports/summary.md (use case × layer, failures with their
#    message and every problem line, retries, artifact versions); appended to $GITHUB_STEP_SUMMARY when set.
# Everything stays in reports/ for the workflow's upload step. The exit code is pytest's when
# it is not 0 (failing scenarios still get their reports); else non-zero if a report failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3

setup=${ODMD_CI_SETUP:-1}
report_only=0
results=()
args=()
while (($#)); do
  case "$1" in
    --no-setup) setup=0 ;;
    --report-only) report_only=1 ;;
    --results) results+=("$2"); shift ;;
    --results=*) results+=("${1#--results=}") ;;
    *) args+=("$1") ;;
  esac
  shift
done
((${#results[@]})) || results=(reports/allure-results)

say() { printf 'ci/run-bdd.sh: %s\n' "$*" >&2; }

if ((setup)); then
  make setup || { say "make setup failed"; exit 3; }
  if ! command -v npm >/dev/null 2>&1; then
    say "npm is missing: Allure 3 needs Node.js 20+ (Debian/Ubuntu: apt-get install nodejs npm; GitHub: actions/setup-node)"
    exit 3
  fi
  if [[ ! -x node_modules/.bin/allure || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error || { say "npm ci failed"; exit 3; }
  fi
fi

PYTHON=${ODMD_PYTHON:-}
if [[ -z $PYTHON ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=$(command -v python3); fi
fi
mkdir -p reports

paths=(features/)  # unless the arguments name feature files or folders themselves
for arg in "${args[@]}"; do [[ $arg == features* ]] && paths=(); done

rc=0
if ((!report_only)); then
  say "pytest ${paths[*]:+${paths[*]} }${args[*]}"
  "$PYTHON" -m pytest "${paths[@]}" "${args[@]}" 2>&1 | tee reports/pytest.log
  rc=${PIPESTATUS[0]}
fi

found=()  # a shard that died before writing results has no folder: report on the others
for dir in "${results[@]}"; do
  if [[ -d $dir ]]; then found+=("$dir"); else say "no results folder $dir (skipped)"; fi
done
results=("${found[@]}")

report_rc=0
rm -rf reports/allure-report
if ((${#results[@]} == 0)); then
  say "no Allure results at all: no HTML report"
  report_rc=3
elif [[ -x node_modules/.bin/allure ]]; then
  # the report, then settled (odmd_bdd.reporting.html_report): its data store before the app, no analytics
  if ! { node_modules/.bin/allure generate "${results[@]}" -o reports/allure-report >reports/allure-generate.log 2>&1 \
    && [[ -f reports/allure-report/index.html ]] \
    && "$PYTHON" -m odmd_bdd.reporting.html_report reports/allure-report/index.html >>reports/allure-generate.log 2>&1; }; then
    say "allure generate failed: see reports/allure-generate.log"
    report_rc=3
  fi
else
  say "no Allure in node_modules/ (run without --no-setup, or npm ci): no HTML report"
  report_rc=3
fi

summary_args=()
for dir in "${results[@]}"; do summary_args+=(--results "$dir"); done
((report_only)) || summary_args+=(--exit-code "$rc" --junit reports/junit.xml)
((report_rc)) || summary_args+=(--report reports/allure-report/index.html)
"$PYTHON" -m odmd_bdd.reporting.summary "${summary_args[@]}" --out reports/summary.md >/dev/null \
  || { say "the summary could not be written"; report_rc=3; }

say "reports: reports/allure-report/index.html, reports/junit.xml, reports/summary.md"
if ((rc)); then exit "$rc"; fi
exit "$report_rc"
