#!/usr/bin/env bash
# Keeps the reconciler's audit log on a branch of its own, so its hash chain runs across
# CI runs (each run starts on a fresh machine with no .reconciler/ directory).
#
#   reconciler-audit.sh restore   fetch audit.jsonl from the branch (when it exists) into
#                                 the log path and verify the chain: a broken chain fails
#                                 the job before anything is applied
#   reconciler-audit.sh keep      commit the log to the branch on top of what was
#                                 restored and push it (never forced: a branch moved by
#                                 someone else in between fails the job)
#
# Settings (environment): RECONCILER_AUDIT_BRANCH (default reconciler-audit),
# RECONCILER_AUDIT_LOG (default .reconciler/audit.jsonl), RECONCILER_AUDIT_REMOTE
# (default origin). Needs `reconciler` on PATH and, for keep, permission to push.
# GITHUB_TOKEN, when set, authenticates the fetch and the push through a credential
# helper that reads it from the environment: it is never on a command line and never
# written to .git/config (check out with persist-credentials: false).
set -euo pipefail

branch="${RECONCILER_AUDIT_BRANCH:-reconciler-audit}"
log="${RECONCILER_AUDIT_LOG:-.reconciler/audit.jsonl}"
remote="${RECONCILER_AUDIT_REMOTE:-origin}"
tracking="refs/remotes/$remote/$branch"

# git talking to the remote; with GITHUB_TOKEN set, authenticated by that token only
remote_git() {
  if [ -n "${GITHUB_TOKEN:-}" ]; then
    # shellcheck disable=SC2016 # expanded by the helper's shell, from its environment
    git -c credential.helper= \
      -c 'credential.helper=!f() { test "$1" = get && echo username=x-access-token && echo "password=$GITHUB_TOKEN"; }; f' \
      "$@"
  else
    git "$@"
  fi
}

restore() {
  local status=0
  remote_git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null || status=$?
  case "$status" in
    0)
      remote_git fetch --quiet "$remote" "+refs/heads/$branch:$tracking"
      mkdir -p "$(dirname "$log")"
      git show "$tracking:audit.jsonl" >"$log"
      reconciler audit verify --audit-log "$log"
      ;;
    2) echo "No $branch branch on $remote yet: this apply starts the audit trail." ;;
    *) echo "cannot reach $remote (git ls-remote exit $status)" >&2; exit "$status" ;;
  esac
}

keep() {
  if [ ! -f "$log" ]; then
    echo "No audit log at $log: nothing was applied."
    return 0
  fi
  local parent="" blob tree commit
  local parents=()
  if parent=$(git rev-parse --quiet --verify "$tracking^{commit}"); then
    parents=(-p "$parent")
  fi
  blob=$(git hash-object -w "$log")
  tree=$(printf '100644 blob %s\taudit.jsonl\n' "$blob" | git mktree)
  if [ -n "$parent" ] && [ "$(git rev-parse "$parent^{tree}")" = "$tree" ]; then
    echo "The audit log did not change."
    return 0
  fi
  commit=$(
    git -c user.name="${AUDIT_COMMITTER_NAME:-reconciler}" \
      -c user.email="${AUDIT_COMMITTER_EMAIL:-reconciler@users.noreply.github.com}" \
      commit-tree "$tree" "${parents[@]}" -m "audit: apply of ${GITHUB_SHA:-$(git rev-parse HEAD)}"
  )
  remote_git push --quiet "$remote" "$commit:refs/heads/$branch"
  git update-ref "$tracking" "$commit"
  echo "Audit log kept on $branch ($commit)."
}

case "${1:-}" in
  restore) restore ;;
  keep) keep ;;
  *) echo "usage: $0 restore|keep" >&2; exit 2 ;;
esac
