#!/usr/bin/env bash
# Runs one Pulumi command, and runs it again while another update holds the stack. Used by the
# teardown (e2e/teardown-stack.sh) and by pr-deploy/pr-preview, which run in different concurrency
# groups and so may meet on one stack: Pulumi's own lock then refuses the second comer, and this
# makes it wait its turn instead of failing.
#
# Retried only when the output says the stack is locked: a self-managed backend prints "the stack
# is currently locked by N lock(s)" (pulumi/pulumi pkg/backend/diy/lock.go); Pulumi Cloud answers
# "[409] Conflict: Another update is currently in progress". Any other failure is returned as is.
# The command's output (stdout and stderr, merged) passes through on stdout.
#
# With PULUMI_RETRY_GUARD set (a bash command), it is run before every retry: when it fails, the
# wrapper stops with exit 3 instead of retrying (the teardown uses it to ask GitHub whether the
# pull request was re-opened meanwhile).
#
# Usage: e2e/pulumi-retry-locked.sh COMMAND [ARG ...]
# Env:   PULUMI_LOCK_ATTEMPTS (default 40), PULUMI_LOCK_WAIT seconds between attempts (default 30),
#        PULUMI_RETRY_GUARD (optional)
set -uo pipefail

attempts=${PULUMI_LOCK_ATTEMPTS:-40}
wait_seconds=${PULUMI_LOCK_WAIT:-30}
if [ "$#" -eq 0 ] || [[ ! $attempts =~ ^[1-9][0-9]*$ ]] || [[ ! $wait_seconds =~ ^[0-9]+$ ]]; then
  echo "pulumi-retry-locked: usage: [PULUMI_LOCK_ATTEMPTS=N PULUMI_LOCK_WAIT=S] $0 COMMAND [ARG ...]" >&2
  exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
attempt=1
while :; do
  "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  if [ "$status" -eq 0 ]; then
    exit 0
  fi
  if ! grep -qE 'the stack is currently locked|Another update is currently in progress' "$log"; then
    exit "$status"
  fi
  if [ "$attempt" -ge "$attempts" ]; then
    echo "pulumi-retry-locked: the stack is still locked after $attempts attempts: giving up" >&2
    exit "$status"
  fi
  echo "pulumi-retry-locked: another update holds the stack; attempt $((attempt + 1)) of $attempts in ${wait_seconds}s" >&2
  sleep "$wait_seconds"
  if [ -n "${PULUMI_RETRY_GUARD:-}" ] && ! bash -c "$PULUMI_RETRY_GUARD"; then
    echo "pulumi-retry-locked: the guard says stop: not retrying" >&2
    exit 3
  fi
  attempt=$((attempt + 1))
done
