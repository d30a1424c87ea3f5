#!/usr/bin/env bash
# The action's "Run the reconciler" step (action.yml): one command, its report in the
# job summary, its problems as annotations, its outcome in step outputs.
#
# Environment (set by action.yml from its inputs): COMMAND, CONFIG_DIR, FORMAT, ACCOUNT,
# AUDIT_LOG, PLAN_FILE, REPLAN_IF_SUBSET, HOLD_SENSITIVE, REVIEWED_DIR; RECONCILER_TARGET
# and RECONCILER_TOKEN (secrets: only in the environment, never on a command line);
# GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP from the runner.
#
# Names come from the files and the platform: while the reconciler prints them, workflow
# commands are off (::stop-commands:: with a random token), so a name such as
# "::set-output name=x::" stays text. Annotations are printed with commands on only by
# `--format github`, which escapes every value.
set -uo pipefail

out="${RUNNER_TEMP:-/tmp}/reconciler-$ACCOUNT"
mkdir -p "$out"
report="$out/report.md"
summary="$out/summary.md" # what the job summary shows, when not the report itself
rm -f "$report" "$summary" # a report of an earlier step is not this one's
status=0

case "$FORMAT" in
  markdown | text | json) ;;
  *) echo "::error::unknown format (use markdown, text or json)"; exit 2 ;;
esac

commands_off() { resume="$(cat /proc/sys/kernel/random/uuid)"; echo "::stop-commands::$resume"; }
commands_on() { echo "::$resume::"; }

# The `error:` lines a command left on stderr (no file or line to point at: a target
# that cannot be reached, a stale plan) as annotations on the run, escaped as the runner
# unescapes them (`%`) and with `##[` broken by a zero-width space.
annotate_errors() {
  grep '^error: ' "$1" | head -n 20 |
    sed -e 's/%/%25/g' -e 's/##\[/#\xe2\x80\x8b#[/g' -e "s/^error: /::error title=reconciler $COMMAND::/" || true
}

plan_command() {
  local saved="${PLAN_FILE:-$out/plan.json}"
  local full=()
  # markdown: the comment keeps to GitHub's limit; the whole plan goes to the job summary
  if [ "$FORMAT" = markdown ]; then full=(--markdown-full "$summary"); fi
  commands_off
  reconciler plan --config-dir "$CONFIG_DIR" --audit-log "$AUDIT_LOG" --format "$FORMAT" --out "$saved" "${full[@]}" >"$report" 2>"$out/stderr" || status=$?
  cat "$out/stderr"
  commands_on
  annotate_errors "$out/stderr"
  if [ -f "$saved" ]; then
    commands_off
    reconciler show "$saved" --format text # the plan in the job log
    commands_on
    reconciler show "$saved" --format github >"$out/annotations"
    cat "$out/annotations" # escaped by the reconciler: annotations, nothing else
    echo "plan_file=$saved" >>"$GITHUB_OUTPUT"
    # changes needing an approval are the warnings titled "reconciler: CODE"
    if grep -q '^::warning title=reconciler%3A ' "$out/annotations"; then
      echo "sensitive=true" >>"$GITHUB_OUTPUT"
    else
      echo "sensitive=false" >>"$GITHUB_OUTPUT"
    fi
  fi
}

apply_command() {
  local args=(--config-dir "$CONFIG_DIR" --audit-log "$AUDIT_LOG")
  local saved="$PLAN_FILE"
  if [ "$saved" = reviewed ]; then
    saved="$REVIEWED_DIR/plan.json"
  fi
  if [ -n "$saved" ]; then
    args+=("$saved" --stale-report "$report")
    if [ "$REPLAN_IF_SUBSET" = true ]; then args+=(--replan-if-subset); fi
  else
    args+=(--auto-approve)
  fi
  if [ "$HOLD_SENSITIVE" = true ]; then args+=(--hold-sensitive); fi
  commands_off
  reconciler apply "${args[@]}" 2>"$out/stderr" | tee "$out/apply.txt" || status=$?
  cat "$out/stderr"
  commands_on
  annotate_errors "$out/stderr"
  if [ "$status" = 3 ]; then
    echo "held=true" >>"$GITHUB_OUTPUT"
    echo "::notice::the plan needs an approval: it is applied by the job that requires one"
    status=0
  else
    echo "held=false" >>"$GITHUB_OUTPUT"
  fi
  if [ ! -s "$report" ]; then
    { echo '```'; cat "$out/apply.txt"; echo '```'; } >"$report"
  fi
}

case "$COMMAND" in
  validate)
    commands_off
    reconciler validate --config-dir "$CONFIG_DIR" >"$out/validate.txt" 2>&1 || status=$?
    cat "$out/validate.txt"
    commands_on
    reconciler validate --config-dir "$CONFIG_DIR" --format github 2>/dev/null || true
    # the report: the text as an indented code block (nothing in it is markdown or HTML)
    { echo "### reconciler validate"; echo; sed 's/^/    /' "$out/validate.txt"; } >"$report"
    ;;
  plan) plan_command ;;
  apply) apply_command ;;
  drift)
    commands_off
    reconciler drift --config-dir "$CONFIG_DIR" --format "$FORMAT" >"$report" 2>"$out/stderr" || status=$?
    cat "$out/stderr"
    commands_on
    annotate_errors "$out/stderr"
    # a usage error (a bad RECONCILER_TARGET) also exits 2, with an empty report
    if [ "$status" = 2 ] && [ ! -s "$report" ]; then status=1; fi
    ;;
  *) echo "::error::unknown command (use validate, plan, apply or drift)"; exit 2 ;;
esac

echo "exit_code=$status" >>"$GITHUB_OUTPUT"
if [ -s "$report" ]; then
  echo "report=$report" >>"$GITHUB_OUTPUT"
  if [ -s "$summary" ]; then cat "$summary" >>"$GITHUB_STEP_SUMMARY"; else cat "$report" >>"$GITHUB_STEP_SUMMARY"; fi
fi

case "$COMMAND:$status" in
  validate:0 | plan:0 | apply:0 | drift:0) ;;
  drift:2) echo "Drift found: see the job summary." ;;
  *) echo "::error::reconciler $COMMAND exited $status: see the log and the job summary"; exit 1 ;;
esac
