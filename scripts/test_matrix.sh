#!/usr/bin/env bash
# make test-matrix: the whole test suite on each QGIS our users run, from Debian's own packages:
#   host    QGIS 3.22 on this machine (Debian 12): `make test`
#   trixie  QGIS 3.40 LTR in a Debian 13 root
#   sid     the latest QGIS (3.44 when written) in a Debian unstable root
# The roots are made with debootstrap by scripts/qgis_root.sh in $SMD_ROOTS_DIR (default
# /var/tmp/smd-qgis-roots) and built fresh unless SMD_REUSE_ROOTS=1 (local development only).
# Needs root. Roots are built while the host's suite runs; the suites run one at a time
# (SMD_MATRIX_PARALLEL_TESTS=1 runs them together). SMD_MATRIX=host,trixie picks versions;
# PYTEST_ARGS (e.g. "-k threads") goes to every pytest.
#
# Exit status 1 when a test fails on any version, or a root cannot be made. The one exception:
# when Debian unstable's QGIS cannot be installed (its archive in transition), that is reported
# loudly and the other versions decide. The log ends with a table: version, passed/failed, minutes.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOTS="${SMD_ROOTS_DIR:-/var/tmp/smd-qgis-roots}"
MATRIX="${SMD_MATRIX:-host,trixie,sid}"
BUILD_TIMEOUT="${SMD_BUILD_TIMEOUT:-1800}"   # seconds per root (debootstrap + QGIS)
TEST_TIMEOUT="${SMD_TEST_TIMEOUT:-2400}"     # seconds per suite
CANNOT_INSTALL=3

if [ "$(id -u)" -ne 0 ]; then
  echo "make test-matrix needs root (debootstrap, chroot, mount): sudo make test-matrix" >&2
  exit 2
fi
export SMD_ROOTS_DIR="$ROOTS"
results="$(mktemp -d -t smd-matrix-XXXXXX)"
started=$(date +%s)

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
label() {
  case "$1" in
    host) echo "QGIS $(host_qgis_series) · Debian $(cut -d. -f1 /etc/debian_version) (this machine)" ;;
    trixie) echo "QGIS 3.40 LTR · Debian 13 trixie" ;;
    sid) echo "QGIS latest · Debian unstable sid" ;;
    *) echo "Debian $1" ;;
  esac
}
host_qgis_series() { dpkg-query -W -f='${Version}' qgis 2>/dev/null | cut -d. -f1,2; }
minutes() { awk -v s="$1" 'BEGIN { if (s == "") print "-"; else printf "%.1f", s / 60 }'; }
record() { echo "$2=$3" >>"$results/$1.state"; }   # record ID KEY VALUE
value() { sed -n "s/^$2=//p" "$results/$1.state" 2>/dev/null | tail -1; }

# Print a log as one block, never interleaved with another version's.
show() {  # show TITLE FILE [tail-lines]
  (
    flock 7
    echo
    echo "=================== $1 ==================="
    if [ -n "${3:-}" ]; then tail -n "$3" "$2"; else cat "$2"; fi
    echo "=================== end of $1 ==================="
  ) 7>"$results/output.lock"
}

# Run a command under a time limit. timeout puts it in a process group of its own, so it runs in the
# background of the version's job, where the job's TERM trap (see `stop`) can pass the signal on.
limited() {  # limited SECONDS COMMAND...
  timeout "$@" &
  running=$!
  wait "$running"
}
on_term() { trap 'kill -TERM "${running:-0}" 2>/dev/null; exit 143' TERM; }

# passed failed skipped, from a JUnit XML file ("- - -" when missing or unreadable).
counts() {
  /usr/bin/python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
try:
    top = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print('- - -')
    sys.exit()
suites = [top] if top.tag == 'testsuite' else top.findall('testsuite')
total = sum(int(s.get('tests', 0)) for s in suites)
failed = sum(int(s.get('failures', 0)) + int(s.get('errors', 0)) for s in suites)
skipped = sum(int(s.get('skipped', 0)) for s in suites)
print(total - failed - skipped, failed, skipped)
EOF
}

# Run the suite (under the suites' lock unless parallel), record its outcome.
run_suite() {  # run_suite ID JUNIT COMMAND...
  local id="$1" junit="$2" status
  shift 2
  [ "${SMD_MATRIX_PARALLEL_TESTS:-0}" = 1 ] || exec 8>"$results/suites.lock"
  [ "${SMD_MATRIX_PARALLEL_TESTS:-0}" = 1 ] || flock 8
  local start
  start=$(date +%s)
  limited "$TEST_TIMEOUT" "$@" >"$results/$id.tests.log" 2>&1
  status=$?
  record "$id" test_seconds $(($(date +%s) - start))
  [ "${SMD_MATRIX_PARALLEL_TESTS:-0}" = 1 ] || exec 8>&-
  [ "$junit" = "$results/$id.junit.xml" ] || cp "$junit" "$results/$id.junit.xml" 2>/dev/null
  read -r passed failed skipped < <(counts "$results/$id.junit.xml")
  record "$id" passed "$passed"
  record "$id" failed "$failed"
  record "$id" skipped "$skipped"
  if [ "$status" -eq 0 ] && [ "$passed" != - ] && [ "$passed" -gt 0 ]; then
    record "$id" result passed
  elif [ "$status" -eq 124 ]; then
    record "$id" result "TIMED OUT"
  else
    record "$id" result FAILED
  fi
  show "$(label "$id"): tests" "$results/$id.tests.log"
  say "$(label "$id"): tests $(value "$id" result) ($passed passed, $failed failed)" \
    "in $(minutes "$(value "$id" test_seconds)") min"
}

host_chain() {
  on_term
  say "$(label host): installing missing packages (scripts/ensure_deps.sh)"
  if ! bash scripts/ensure_deps.sh >"$results/host.deps.log" 2>&1; then
    show "$(label host): packages" "$results/host.deps.log"
    record host result "CANNOT INSTALL"
    return
  fi
  record host qgis "$(dpkg-query -W -f='${Version}' qgis)"
  record host python "$(/usr/bin/python3 -c 'import platform; print(platform.python_version())')"
  say "$(label host): running the suite (make test)"
  run_suite host "$results/host.junit.xml" make test PYTEST_ARGS="${PYTEST_ARGS:-} --junitxml=$results/host.junit.xml"
}

root_chain() {
  on_term
  local suite="$1" status start
  start=$(date +%s)
  say "$(label "$suite"): building the root (debootstrap --variant=minbase $suite, then QGIS)"
  limited "$BUILD_TIMEOUT" bash scripts/qgis_root.sh build "$suite" >"$results/$suite.build.log" 2>&1
  status=$?
  record "$suite" build_seconds $(($(date +%s) - start))
  if [ -f "$ROOTS/$suite.times" ]; then
    record "$suite" debootstrap_seconds "$(sed -n 's/^debootstrap_seconds=//p' "$ROOTS/$suite.times")"
    record "$suite" install_seconds "$(sed -n 's/^install_seconds=//p' "$ROOTS/$suite.times")"
  fi
  if [ "$status" -ne 0 ]; then
    show "$(label "$suite"): building the root" "$results/$suite.build.log"
    if [ "$status" -eq "$CANNOT_INSTALL" ]; then
      record "$suite" result "CANNOT INSTALL"
    else
      record "$suite" result "BUILD FAILED"
    fi
    say "$(label "$suite"): $(value "$suite" result) (exit $status)"
    return
  fi
  show "$(label "$suite"): building the root (last lines)" "$results/$suite.build.log" 8
  local versions
  versions="$(bash scripts/qgis_root.sh versions "$suite")"
  echo "$versions" >"$results/$suite.versions"
  show "$(label "$suite"): Debian packages in the root" "$results/$suite.versions"
  record "$suite" qgis "$(awk '$1 == "qgis" {print $2}' <<<"$versions")"
  record "$suite" python "$(awk '$1 == "interpreter" {print $2}' <<<"$versions")"
  say "$(label "$suite"): root ready in $(minutes "$(value "$suite" build_seconds)") min; running the suite"
  # shellcheck disable=SC2086  # PYTEST_ARGS holds several words
  run_suite "$suite" "$ROOTS/$suite/var/tmp/smd-junit.xml" \
    bash scripts/qgis_root.sh test "$suite" ${PYTEST_ARGS:-} tests
}

if tr ',' '\n' <<<"$MATRIX" | grep -qvx host; then
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      debootstrap >/dev/null
  } || { echo "cannot install debootstrap" >&2; exit 1; }
fi

reuse="built fresh"
[ "${SMD_REUSE_ROOTS:-0}" = 1 ] && reuse="reused when complete (SMD_REUSE_ROOTS=1)"
say "QGIS test matrix: $MATRIX; roots in $ROOTS, $reuse; logs in $results"
# Each version runs as its own job (own process group), so an interrupt can stop them all.
pids=()
ids=()
# shellcheck disable=SC2317  # called by the trap
stop() {
  say "interrupted: stopping the matrix"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  wait
  exit 130
}
trap stop INT TERM
set -m
for id in ${MATRIX//,/ }; do
  if [ "$id" = host ]; then host_chain & else root_chain "$id" & fi
  pids+=($!)
  ids+=("$id")
done
wait
set +m

# -- summary ------------------------------------------------------------------------------------
status=0
line() { printf '%-44s %-17s %-9s %6s %8s %6s %7s %7s %7s  %s\n' "$@"; }
echo
echo "=================== QGIS test matrix: summary ==================="
line version "Debian QGIS" Python "root" install tests passed failed skipped result
line "" "" "" min min min "" "" "" ""
for id in "${ids[@]}"; do
  result="$(value "$id" result)"
  line "$(label "$id")" "$(value "$id" qgis)" "$(value "$id" python)" \
    "$(minutes "$(value "$id" debootstrap_seconds)")" "$(minutes "$(value "$id" install_seconds)")" \
    "$(minutes "$(value "$id" test_seconds)")" "$(value "$id" passed)" "$(value "$id" failed)" \
    "$(value "$id" skipped)" "${result:-NOT RUN}"
  case "$result" in
    passed) ;;
    "CANNOT INSTALL")
      if [ "$id" = sid ]; then
        warn_sid=1
      else
        status=1
      fi
      ;;
    *) status=1 ;;
  esac
done
echo "whole matrix: $(minutes $(($(date +%s) - started))) min (wall clock); logs in $results"
if [ "${warn_sid:-0}" = 1 ]; then
  cat <<'EOF'

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  WARNING: Debian unstable's QGIS CANNOT BE INSTALLED right now (its archive is probably  !!
!!  in transition). The latest QGIS was NOT tested; the other versions decide this run.     !!
!!  See "building the root" above for apt's message.                                       !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
EOF
fi
for id in "${ids[@]}"; do
  case "$id $(value "$id" result)" in
    *" passed" | "sid CANNOT INSTALL") ;;
    *) echo "FAILED on $(label "$id"): $(value "$id" result)" ;;
  esac
done
exit $status
