#!/usr/bin/env bash
# TEARDOWN_GUARD for e2e/teardown-stack.sh in the pull-request workflows: asks the GitHub API for
# the pull request and `components guard --operation teardown` whether it may still be torn down.
# Exit 1 (stand down) only when the guard says it is open and labelled deploy-env again; when
# GitHub cannot be asked, exit 0: tear down as the event said (a leak is worse, and the hourly
# reaper is the backstop). Needs GH_TOKEN, GH_REPO, PR_NUMBER, RUNNER_TEMP; run from the project.
set -uo pipefail

pull="$RUNNER_TEMP/teardown-guard-pull.json"
if ! gh api "repos/$GH_REPO/pulls/$PR_NUMBER" > "$pull"; then
  echo "teardown-guard: cannot ask GitHub about pull request #$PR_NUMBER: tearing down" >&2
  exit 0
fi
.venv/bin/python -m components guard --pull "$pull" --operation teardown
[ $? -ne 1 ]
