"""``digestgen deploy``: publish the built site to the ``gh-pages`` branch."""

from __future__ import annotations

from pathlib import Path

import click

from ..deploy import CNAME, NOJEKYLL, DeployError, deploy as deploy_site
from ..errors import display_path
from .common import config_option, placeholder_problem, reports_problems, site_config


@click.command(epilog=f"""\b
Refuses to run while base_url is init's placeholder (USER, REPO), when there is
no build (output_dir has no index.html) or when the build is out of date:
digestgen.yaml or a file under content/, layouts/ or static/ was
modified after the newest file or folder in output_dir.

\b
The branch gets one new commit on top of its previous tip (none when it
already holds this very site). A {CNAME} on the branch is kept when the build
has none, and an empty {NOJEKYLL} is added when it has none. The working tree, the index and the
current branch are never touched.

\b
Examples:
  digestgen build && digestgen deploy
  digestgen deploy --remote upstream --branch gh-pages""")
@click.option("--remote", metavar="NAME", default=None,
              help="Remote to push to (a name or URL). Default: origin; with no remote at "
                   "all, only the local branch is updated.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch to publish to.")
@click.option("-m", "--message", default=None,
              help="Commit message. Default: names the source branch and commit.")
@config_option
@reports_problems
def deploy(remote: str | None, branch: str, message: str | None,
           config_path: Path | None) -> None:
    """Publish the built site to the gh-pages branch.

    Commits output_dir onto the branch and pushes the branch to the remote."""
    config = site_config(config_path)
    problem = placeholder_problem(config)
    if problem is not None:
        raise click.ClickException(f"{problem}; then build and deploy again")
    try:
        result = deploy_site(config, branch=branch, remote=remote, message=message)
    except DeployError as exc:
        raise click.ClickException(str(exc)) from None
    output = display_path(config.output_dir)
    short = result.commit[:12]
    if result.created:
        click.echo(f"Committed {result.files} files of {output}/ to {branch} as {short}.")
    else:
        click.echo(f"{branch} already holds this build ({short}); no new commit.")
    if result.kept_cname:
        click.echo(f"Kept {CNAME} from the previous {branch} commit.")
    if result.remote is None:
        click.echo(f"This repository has no remote: only the local {branch} branch was "
                   f"updated. Push it with `git push REMOTE {branch}`.")
    elif result.pushed:
        click.echo(f"Pushed {branch} to {result.remote}.")
    else:
        click.echo(f"{result.remote} already had it; nothing pushed.")
