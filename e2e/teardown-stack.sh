#!/usr/bin/env bash
# Tears down one pull-request environment: refresh, destroy, stack rm. Run from the project folder
# after `pulumi login` (any backend). Used by .github/workflows/pr-teardown.yml, by the reaper
# (.github/workflows/reaper.yml), by pr-preview/pr-deploy when their pull request closed while
# they ran, and, twice in a row to prove it is idempotent, by .github/workflows/e2e-kind.yml.
#
# Idempotent: a stack that does not exist is success ("nothing to tear down"); a namespace deleted
# by hand is dropped from the state by the refresh, so destroy has nothing left to fail on.
# Waits its turn: while another update holds the stack (a deploy or preview still running), each
# Pulumi command is retried by e2e/pulumi-retry-locked.sh instead of failing.
# Can never touch production: it refuses any name but pr-<number> before calling Pulumi at all.
# A backend it cannot list is an error, never taken for "already gone".
#
# Guard: with TEARDOWN_GUARD set (a bash command; pr-teardown runs `components guard --operation
# teardown` on the pull request as the GitHub API returns it), it is run before each Pulumi
# command and each retry; when it fails the teardown stops, successfully, with result "skipped":
# the pull request was re-opened or re-labelled and its deploy run owns the stack.
#
# Receipt: with TEARDOWN_RECEIPT=FILE it writes what happened as key=value lines, for the pull
# request comment: stack, result (removed | absent | skipped | failed), namespace (from the stack's output,
# empty when unknown) and namespace_state (gone | present | unknown; asked of kubectl when a
# namespace is known and kubectl is installed).
#
# Usage: e2e/teardown-stack.sh pr-<number>
set -euo pipefail

stack=${1:-}
here=$(cd "$(dirname "$0")" && pwd)
result=failed
namespace=
namespace_state=unknown

write_receipt() {
  if [ -n "${TEARDOWN_RECEIPT:-}" ]; then
    printf 'stack=%s\nresult=%s\nnamespace=%s\nnamespace_state=%s\n' \
      "$stack" "$result" "$namespace" "$namespace_state" >"$TEARDOWN_RECEIPT"
  fi
}
trap write_receipt EXIT

if [[ ! $stack =~ ^pr-[1-9][0-9]{0,9}$ ]]; then
  echo "teardown: refusing stack '${stack}': only pull-request stacks (pr-<number>) are torn down" >&2
  stack=
  exit 2
fi

if ! listing=$(pulumi stack ls --json --non-interactive); then
  echo "teardown: cannot list the stacks of this project (login, backend, passphrase?)" >&2
  exit 1
fi
# Names are "pr-12", or "org/pr-12" / "org/project/pr-12" outside the default organisation.
if ! printf '%s' "$listing" | python3 -c '
import json, sys
names = {str(s.get("name", "")).rsplit("/", 1)[-1] for s in json.load(sys.stdin)}
sys.exit(0 if sys.argv[1] in names else 1)
' "$stack"; then
  echo "teardown: stack ${stack} does not exist: nothing to tear down"
  result=absent
  exit 0
fi

namespace=$(pulumi stack output namespace --stack "$stack" --non-interactive 2>/dev/null || true)
export PULUMI_RETRY_GUARD=${TEARDOWN_GUARD:-}

skipped() {
  echo "teardown: stopped before touching ${stack}: the guard says it is wanted again"
  result=skipped
  exit 0
}

step() {
  if [ -n "${TEARDOWN_GUARD:-}" ] && ! bash -c "$TEARDOWN_GUARD"; then
    skipped
  fi
  local status=0
  bash "$here/pulumi-retry-locked.sh" "$@" || status=$?
  if [ "$status" -eq 3 ] && [ -n "${TEARDOWN_GUARD:-}" ]; then
    skipped
  fi
  return "$status"
}

flags=(--stack "$stack" --non-interactive --color never)
step pulumi refresh "${flags[@]}" --yes --skip-preview
step pulumi destroy "${flags[@]}" --yes --skip-preview
step pulumi stack rm "$stack" --yes --non-interactive
result=removed
echo "teardown: stack ${stack} destroyed and removed"

if [ -n "$namespace" ] && command -v kubectl >/dev/null 2>&1; then
  if found=$(kubectl get namespace "$namespace" --ignore-not-found -o name 2>/dev/null); then
    if [ -z "$found" ]; then
      namespace_state=gone
      echo "teardown: namespace ${namespace} is gone"
    else
      namespace_state=present
      echo "teardown: namespace ${namespace} still exists (terminating?)" >&2
    fi
  fi
fi
