// The one environment comment of a pull request (found by its marker, edited in place), and the
// teardown receipt written into it by pr-teardown.yml and reaper.yml. Loaded by
// actions/github-script: require(`${process.env.GITHUB_WORKSPACE}/.github/scripts/environment-comment.js`).
"use strict";

const fs = require("node:fs");

const MARKER = "<!-- catalyst-environments:pr-environment -->";
const LIMIT = 65000; // GitHub rejects comments over 65536 characters

// e2e/teardown-stack.sh's TEARDOWN_RECEIPT file: key=value lines; missing file: the script
// never got to write it, which is a failure.
function readReceipt(file) {
  const receipt = { result: "failed", namespace: "", namespace_state: "unknown" };
  if (!file || !fs.existsSync(file)) return receipt;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) receipt[line.slice(0, at)] = line.slice(at + 1);
  }
  return receipt;
}

function receiptBody(stack, receipt, why, runUrl) {
  const lines = [MARKER];
  const namespace = receipt.namespace ? `\`${receipt.namespace}\`` : "of the stack";
  if (receipt.result === "removed") {
    lines.push(`## Environment \`${stack}\`: torn down`, "");
    lines.push(`- stack \`${stack}\`: destroyed and removed (\`pulumi destroy\`, \`pulumi stack rm\`)`);
    const state = {
      gone: "gone",
      present: "**still present** (terminating?): check `kubectl get namespace`",
      unknown: "not checked",
    }[receipt.namespace_state] || "not checked";
    lines.push(`- namespace ${namespace}: ${state}`);
  } else if (receipt.result === "absent") {
    lines.push(`## Environment \`${stack}\`: nothing to tear down`, "");
    lines.push(`The stack \`${stack}\` did not exist (never deployed, or already removed).`);
  } else {
    lines.push(`## Environment \`${stack}\`: **teardown failed**`, "");
    lines.push(`The stack \`${stack}\` and the namespace ${namespace} may still exist: the run's`);
    lines.push("log says what failed; the hourly reaper (reaper.yml) tries again.");
  }
  lines.push("", `<sub>${why}: [this run](${runUrl}).</sub>`);
  return lines.join("\n") + "\n";
}

async function upsertComment({ github, context, core }, issueNumber, body) {
  let text = body;
  if (text.length > LIMIT) {
    text = text.slice(0, LIMIT) + "\n\n_…cut: the full text is in the job summary._\n";
  }
  const { owner, repo } = context.repo;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number: issueNumber, per_page: 100,
  });
  const mine = comments.find(
    (c) => c.user?.login === "github-actions[bot]" && c.body?.includes(MARKER),
  );
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
    core.info(`edited ${mine.html_url}`);
  } else {
    const { data } = await github.rest.issues.createComment({
      owner, repo, issue_number: issueNumber, body: text,
    });
    core.info(`created ${data.html_url}`);
  }
}

// The receipt goes on the pull request when something was removed or something failed; a
// teardown that found nothing (or stood down for a re-open) leaves the comment as it is.
async function postReceipt(api, { issueNumber, stack, receiptFile, why, runUrl }) {
  const receipt = readReceipt(receiptFile);
  if (receipt.result === "absent" || receipt.result === "skipped") {
    api.core.info(`${stack}: ${receipt.result}; the comment is left as it is`);
    return receipt;
  }
  await upsertComment(api, issueNumber, receiptBody(stack, receipt, why, runUrl));
  return receipt;
}

module.exports = { MARKER, readReceipt, receiptBody, upsertComment, postReceipt };
