#!/usr/bin/env bash
# Tears down one pull-request environment: refresh, destroy, stack rm. Run from the project folder
# after `pulumi login` (any backend). Used by .github/workflows/pr-teardown.yml and, twice in a row
# to prove it is idempotent, by .github/workflows/e2e-kind.yml.
#
# Idempotent: a stack that does not exist is success ("nothing to tear down"); a namespace deleted
# by hand is dropped from the state by the refresh, so destroy has nothing left to fail on.
# Can never touch production: it refuses any name but pr-<number> before calling Pulumi at all.
# A backend it cannot list is an error, never taken for "already gone".
#
# Usage: e2e/teardown-stack.sh pr-<number>
set -euo pipefail

stack=${1:-}
if [[ ! $stack =~ ^pr-[1-9][0-9]{0,9}$ ]]; then
  echo "teardown: refusing stack '${stack}': only pull-request stacks (pr-<number>) are torn down" >&2
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
  exit 0
fi

flags=(--stack "$stack" --non-interactive --color never)
pulumi refresh "${flags[@]}" --yes --skip-preview
pulumi destroy "${flags[@]}" --yes --skip-preview
pulumi stack rm "$stack" --yes --non-interactive
echo "teardown: stack ${stack} destroyed and removed"
