// The action's "Comment" step (action.yml), run by actions/github-script:
//   plan   one comment per pull request and account, updated on every push, with the
//          commit, the target (credentials removed) and a link to the run; the label
//          "reconciler: needs approval" while the plan holds changes that need one
//   apply  a stale reviewed plan: the difference, on the merged pull request
//   drift  one open issue per account, updated while drift lasts, closed with a
//          comment once live is back in sync
// Comments and issues are found by their marker AND their author: anyone can post the
// marker, only the workflow's own is updated. Reports are the reconciler's markdown,
// whose names are already escaped (no mention, link or HTML).
const fs = require("fs");

const BOT = "github-actions[bot]";
const LIMIT = 60000; // GitHub refuses bodies over 65,536 characters

function read(path) {
  return path && fs.existsSync(path) ? fs.readFileSync(path, "utf8") : "";
}

function clip(text) {
  return text.length > LIMIT
    ? `${text.slice(0, LIMIT)}\n\n_(cut: the whole report is in the job summary)_`
    : text;
}

function code(text) {
  return "`" + String(text || "unknown").replace(/[`\r\n]/g, "") + "`";
}

function runLink(context) {
  const { owner, repo } = context.repo;
  return `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
}

async function sticky(github, context, issue_number, marker, body) {
  const { owner, repo } = context.repo;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number, per_page: 100,
  });
  const mine = comments.find((c) => c.user.login === BOT && c.body && c.body.includes(marker));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

async function label(github, context, issue_number, name, on) {
  const { owner, repo } = context.repo;
  if (on) {
    await github.rest.issues.addLabels({ owner, repo, issue_number, labels: [name] });
    return;
  }
  try {
    await github.rest.issues.removeLabel({ owner, repo, issue_number, name });
  } catch (error) {
    if (error.status !== 404) throw error; // 404: it did not have the label
  }
}

async function plan({ github, context, env }) {
  const issue_number = context.issue.number;
  if (!issue_number) return;
  const marker = `<!-- reconciler-plan:${env.ACCOUNT} -->`;
  let saved = {};
  try {
    saved = JSON.parse(read(env.PLAN_FILE) || "{}");
  } catch (error) {
    saved = {};
  }
  const report = read(env.REPORT).trim() || "The plan could not be made: see the job log.";
  const head = [
    `**reconciler plan** for account ${code(env.ACCOUNT)}`,
    `commit ${code(saved.git_commit || context.payload.pull_request?.head?.sha)}`,
    `target ${code(saved.target)}`,
    `[run](${runLink(context)})`,
  ].join(" · ");
  const sensitive = (saved.sensitive || []).length > 0;
  const approval = sensitive
    ? "\n\n> [!WARNING]\n> This plan needs an approval before apply (see the warnings in the run)."
    : "";
  await sticky(github, context, issue_number, marker, clip(`${marker}\n${head}${approval}\n\n${report}`));
  const suffix = env.ACCOUNT === "default" ? "" : ` (${env.ACCOUNT})`;
  await label(github, context, issue_number, `reconciler: needs approval${suffix}`, sensitive);
}

async function apply({ github, context, env }) {
  const issue_number = Number(env.PR);
  const report = read(env.REPORT);
  if (!issue_number || env.EXIT_CODE === "0" || !report.startsWith("## Reconciler apply:")) return;
  const marker = `<!-- reconciler-apply:${env.ACCOUNT} -->`;
  const head = `**reconciler apply** for account ${code(env.ACCOUNT)} · [run](${runLink(context)})`;
  await sticky(github, context, issue_number, marker, clip(`${marker}\n${head}\n\n${report}`));
}

async function drift({ github, context, env }) {
  const { owner, repo } = context.repo;
  const marker = `<!-- reconciler-drift:${env.ACCOUNT} -->`;
  const open = await github.paginate(github.rest.issues.listForRepo, {
    owner, repo, state: "open", labels: "drift", per_page: 100,
  });
  const mine = open.find(
    (i) => !i.pull_request && i.user.login === BOT && i.body && i.body.includes(marker),
  );
  if (env.EXIT_CODE === "0") {
    if (!mine) return;
    await github.rest.issues.createComment({
      owner, repo, issue_number: mine.number,
      body: `Back in sync: live matches the files again ([run](${runLink(context)})).`,
    });
    await github.rest.issues.update({ owner, repo, issue_number: mine.number, state: "closed", state_reason: "completed" });
    return;
  }
  if (env.EXIT_CODE !== "2") return;
  const body = clip(`${marker}\n${read(env.REPORT)}\n\n_Run: ${runLink(context)}_`);
  if (mine) {
    await github.rest.issues.update({ owner, repo, issue_number: mine.number, body });
  } else {
    const suffix = env.ACCOUNT === "default" ? "" : ` (${env.ACCOUNT})`;
    await github.rest.issues.create({
      owner, repo, body, labels: ["drift"],
      title: `Drift: the live platform differs from the files${suffix}`,
    });
  }
}

module.exports = async function comment({ github, context, core, env }) {
  const handlers = { plan, apply, drift };
  const handler = handlers[env.COMMAND];
  if (handler) await handler({ github, context, core, env });
};
