# shellcheck shell=bash
# Shared by the stand-in commands of the instance-script tests. FERRY_TEST_STATE is a directory holding
# their state; every call is appended to $FERRY_TEST_STATE/calls.log (one line: the command and its args).
state=${FERRY_TEST_STATE:?FERRY_TEST_STATE must point at the test state directory}

record() { printf '%s\n' "$*" >>"$state/calls.log"; }

# should_fail KEY: true (and counts down) while $state/fail/KEY holds a number above 0.
should_fail() {
  local file n
  file="$state/fail/$(keyfile "$1")"
  [[ -f $file ]] || return 1
  n=$(<"$file")
  ((n > 0)) || return 1
  printf '%s\n' $((n - 1)) >"$file"
}

# opt NAME ARGS...: the value after option NAME in ARGS (empty when absent).
opt() {
  local name=$1
  shift
  while (($#)); do
    if [[ $1 == "$name" ]]; then
      printf '%s' "${2:-}"
      return 0
    fi
    shift
  done
}

# A file name for a key such as an SSM parameter name ("/a/b" -> "%a%b").
keyfile() { printf '%s' "${1//\//%}"; }
