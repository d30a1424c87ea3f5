"""The ``reconciler`` command line: a lazy group of thin commands.

Each command lives in its own module under ``reconciler.cli`` and is imported only
when used, so ``reconciler validate`` never pays for importing the sandbox or httpx.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from reconciler import __version__
from reconciler.cli.output import error_text
from reconciler.cli.verbose import NetworkNotes
from reconciler.errors import ReconcilerError, printable
from reconciler.gcpause import the_process_ends_with_the_command
from reconciler.heap import fix_mmap_threshold

# httpx imports its own command line (``httpx._main``) whenever it can, and with it rich
# and pygments where they are installed (the test extras pull them in): 40-90 ms of
# every command that reads a live system. This program never runs httpx's command line,
# so that module is marked absent before httpx is imported; httpx then defines its
# stand-in ``main`` (its ``except ImportError``). Left as it is when already imported.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

#: command name -> (module, attribute, one-line help shown by ``reconciler --help``)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "reconciler.cli.validate",
        "validate_command",
        "Check projects.d/ files (no live system needed).",
    ),
    "schema": (
        "reconciler.cli.validate",
        "schema_command",
        "Write the JSON Schema of the documents.",
    ),
    "plan": (
        "reconciler.cli.plan",
        "plan_command",
        "Show what apply would change on the target.",
    ),
    "show": (
        "reconciler.cli.show",
        "show_command",
        "Show a saved plan (text, JSON, markdown, GitHub annotations).",
    ),
    "report": (
        "reconciler.cli.report",
        "report_group",
        "Answer who-sees-what questions.",
    ),
    "apply": (
        "reconciler.cli.apply",
        "apply_command",
        "Apply the plan to the target, with an audit record.",
    ),
    "audit": (
        "reconciler.cli.audit",
        "audit_group",
        "Read and verify the audit trail.",
    ),
    "drift": (
        "reconciler.cli.drift",
        "drift_command",
        "Report live changes the files do not declare.",
    ),
    "offboard": (
        "reconciler.cli.offboard",
        "offboard_command",
        "Remove leavers from every project and role in the files.",
    ),
    "review": (
        "reconciler.cli.review",
        "review_command",
        "Who holds which access, granted by which commit and pull request.",
    ),
    "import": (
        "reconciler.cli.importer",
        "import_command",
        "Write projects.d/ from a live company.",
    ),
    "doctor": (
        "reconciler.cli.doctor",
        "doctor_command",
        "Check a target's API, read only (run it first on a real account).",
    ),
    "version": (
        "reconciler.cli.version",
        "version_command",
        "Show the version (--format json for tools).",
    ),
    "sandbox": (
        "reconciler.cli.sandbox",
        "sandbox_group",
        "Run or initialise the embedded sandbox.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None or not _available(cmd_name):
            return None
        module = importlib.import_module(spec[0])
        command = getattr(module, spec[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name][0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    envvar="RECONCILER_VERBOSE",
    help="Show every retry and network event on stderr as it happens (a run that needed "
    "retries always ends with a one-line count). Env: RECONCILER_VERBOSE=1.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Declarative config-as-code for call-center projects: who sees what.

    Projects, memberships, roles and policies live in YAML under projects.d/.
    `validate` checks them, `plan` shows what would change on the live platform,
    `apply` changes it and records an audit trail linked to the git commit.

    The target defaults to the embedded sandbox (.reconciler/sandbox.db), so everything
    works on a fresh machine with no account.
    """
    ctx.call_on_close(NetworkNotes(verbose=verbose).start().finish)


def main() -> None:
    fix_mmap_threshold()
    the_process_ends_with_the_command()
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        # a usage message quotes what was typed (a path, a name): one line, escaped. Click
        # adds its own line breaks (a list of choices) when it shows it, not in ``message``
        setattr(exc, "message", printable(exc.message))  # noqa: B010 -- Final in click's stubs
        exc.show()
        sys.exit(exc.exit_code)
    except ReconcilerError as exc:
        click.echo(error_text(exc), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
