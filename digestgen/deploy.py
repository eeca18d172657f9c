"""Publishing a built site to a branch (``gh-pages``) as one new commit, with git plumbing.

The site's files go into a temporary index, never the repository's own: the working tree, the
index, HEAD and the current branch stay as they were. The same site gives the same tree.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .errors import display_path
from .output.staging import MANIFEST, output_lock

#: GitHub Pages runs Jekyll on a branch's files unless the branch holds this file.
NOJEKYLL = ".nojekyll"
#: The custom domain of a Pages site; kept from the published branch when a build has none.
CNAME = "CNAME"


class DeployError(Exception):
    """Why a deploy cannot go ahead, in words for the person who ran it."""


@dataclass(frozen=True)
class DeployResult:
    commit: str
    parent: str | None
    created: bool  # False when the branch already held this very site
    files: int
    remote: str | None  # None: only the local branch was updated
    pushed: bool
    kept_cname: bool


def check_build(config: SiteConfig) -> None:
    """Refuse a missing build, and one older than the sources it was built from.

    A build is out of date when ``digestgen.yaml`` or a file under ``content/``, ``layouts/``
    or ``static/`` (hidden files aside) was modified after the newest file or folder in the
    output folder."""
    output = config.output_dir
    if not (output / "index.html").is_file():
        raise DeployError(f"no built site in {display_path(output)} (no index.html there); "
                          "run `digestgen build` first")
    built = newest_mtime([output])
    changed = [path for path in _walk([config.path, config.content_dir, config.layouts_dir,
                                        config.static_dir]) if path.stat().st_mtime > built]
    if changed:
        names = ", ".join(os.path.relpath(path, config.root) for path in sorted(changed)[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        raise DeployError(f"the build in {display_path(output)} is out of date: {names}{more} "
                          "changed after it was built; run `digestgen build` first")


def newest_mtime(roots: list[Path]) -> float:
    """The latest modification time of the roots and everything below them."""
    return max((path.stat().st_mtime for path in _walk(roots, folders=True)), default=0.0)


def _walk(roots: list[Path], folders: bool = False):
    """The files (and folders, if asked) below ``roots``, without hidden names in inputs."""
    for root in roots:
        if root.is_file():
            yield root
            continue
        if not root.is_dir():
            continue
        if folders:
            yield root
        for folder, subfolders, files in os.walk(root):
            if not folders:
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                files = [name for name in files if not name.startswith(".")]
            base = Path(folder)
            yield from (base / name for name in files)
            if folders:
                yield from (base / name for name in subfolders)


class Git:
    """Runs git in one repository and turns its failures into :class:`DeployError`."""

    def __init__(self, folder: Path):
        self.env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        top = self.try_run("-C", str(folder), "rev-parse", "--show-toplevel")
        if top is None:
            raise DeployError(f"{folder} is not inside a git repository; "
                              "`digestgen deploy` publishes to a branch of one")
        self.top = Path(top)

    def run(self, *args: str, stdin: str = "", env: dict | None = None) -> str:
        done = self._run(args, stdin, env)
        if done.returncode != 0:
            detail = done.stderr.strip() or done.stdout.strip()
            raise DeployError(f"`git {' '.join(args)}` failed: {detail}")
        return done.stdout.strip()

    def try_run(self, *args: str, env: dict | None = None) -> str | None:
        done = self._run(args, "", env)
        return done.stdout.strip() if done.returncode == 0 else None

    def _run(self, args, stdin: str, env: dict | None) -> subprocess.CompletedProcess:
        command = ["git", *args] if args[:1] == ("-C",) else ["git", "-C", str(self.top), *args]
        try:
            return subprocess.run(command, input=stdin, capture_output=True, text=True,
                                  env=env or self.env, check=False)
        except OSError as exc:
            raise DeployError(f"cannot run git: {exc.strerror}") from None


def deploy(config: SiteConfig, branch: str = "gh-pages", remote: str | None = None,
           message: str | None = None) -> DeployResult:
    """Commit the built site onto ``branch`` and push it to ``remote``.

    ``remote`` None means ``origin``, or no push at all when the repository has no remote."""
    git = Git(config.root)
    if git.try_run("check-ref-format", "--branch", branch) is None:
        raise DeployError(f"'{branch}' is not a valid branch name")
    ref = f"refs/heads/{branch}"
    if git.try_run("symbolic-ref", "--quiet", "HEAD") == ref:
        raise DeployError(f"the current branch is {branch}: switch to the branch that holds "
                          "the site's sources first (deploy never touches the current branch)")
    remote = _choose_remote(git, remote)
    parent, published = _parent(git, ref, branch, remote)
    with output_lock(config.output_dir):  # no build swaps the site while it is read
        check_build(config)
        tree, files, kept_cname = _site_tree(git, config.output_dir, parent)
    created = parent is None or git.run("rev-parse", f"{parent}^{{tree}}") != tree
    commit = parent
    if created:
        commit = git.run("commit-tree", tree, *(["-p", parent] if parent else []),
                         "-F", "-", stdin=message or _default_message(git),
                         env=_identity_env(git))
    local = git.try_run("rev-parse", "--verify", "--quiet", ref)
    if local != commit:
        git.run("update-ref", "-m", "digestgen deploy", ref, commit, local or "")
    pushed = False
    if remote is not None and published != commit:
        git.run("push", "--quiet", remote, f"{ref}:{ref}")
        pushed = True
    return DeployResult(commit, parent, created, files, remote, pushed, kept_cname)


def _choose_remote(git: Git, remote: str | None) -> str | None:
    names = (git.try_run("remote") or "").split()
    if remote is None:
        if "origin" in names or not names:
            return "origin" if names else None
        raise DeployError(f"no remote named 'origin'; pass --remote NAME "
                          f"(this repository has {', '.join(names)})")
    if remote not in names and not any(mark in remote for mark in ":/\\"):
        raise DeployError(f"no remote named '{remote}' "
                          f"(this repository has {', '.join(names) or 'none'})")
    return remote


def _remote_tip(git: Git, remote: str, ref: str) -> str | None:
    listing = git.run("ls-remote", "--", remote, ref)
    for line in listing.splitlines():
        sha, _, name = line.partition("\t")
        if name == ref:
            return sha
    return None


def _parent(git: Git, ref: str, branch: str,
            remote: str | None) -> tuple[str | None, str | None]:
    """The tip the new commit goes on, and the remote's tip: the parent is the remote's
    branch or the local one, whichever holds the other; an error when they have diverged."""
    local = git.try_run("rev-parse", "--verify", "--quiet", ref)
    published = _remote_tip(git, remote, ref) if remote else None
    if published is None:
        return local, None
    git.run("fetch", "--quiet", "--no-tags", remote, ref)
    if local is None or _is_ancestor(git, local, published):
        return published, published
    if _is_ancestor(git, published, local):
        return local, published
    raise DeployError(f"the local branch {branch} and {branch} on {remote} have diverged; "
                      f"reconcile them (or delete the local branch) and deploy again")


def _is_ancestor(git: Git, older: str, newer: str) -> bool:
    return git.try_run("merge-base", "--is-ancestor", older, newer) is not None


def _site_tree(git: Git, site: Path, parent: str | None) -> tuple[str, int, bool]:
    """Write the tree of ``site`` (plus a kept CNAME and ``.nojekyll``) through a temporary
    index; return its id, its file count and whether CNAME came from ``parent``."""
    with tempfile.TemporaryDirectory(prefix="digestgen-deploy-") as scratch:
        env = {**git.env, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        # No line-ending or attribute conversion: the branch holds the bytes the build wrote.
        plain = ("-c", "core.autocrlf=false", "-c", "core.safecrlf=false")
        git_dir = git.run("rev-parse", "--absolute-git-dir")
        # The build's manifest is bookkeeping for the next build, not part of the site.
        git.run("-C", str(site), *plain, f"--git-dir={git_dir}", f"--work-tree={site}",
                "add", "--all", "--force", "--", ".", f":(exclude){MANIFEST}", env=env)
        kept_cname = False
        if not (site / CNAME).is_file() and parent is not None:
            cname = git.try_run("rev-parse", "--verify", "--quiet", f"{parent}:{CNAME}")
            if cname is not None:
                git.run("update-index", "--add", "--cacheinfo", f"100644,{cname},{CNAME}",
                        env=env)
                kept_cname = True
        if not (site / NOJEKYLL).exists():
            empty = git.run("hash-object", "-w", "--stdin")
            git.run("update-index", "--add", "--cacheinfo", f"100644,{empty},{NOJEKYLL}",
                    env=env)
        files = sum(1 for name in git.run("ls-files", "-z", env=env).split("\0") if name)
        return git.run("write-tree", env=env), files, kept_cname


def _default_message(git: Git) -> str:
    source = git.try_run("rev-parse", "--short", "HEAD")
    where = git.try_run("symbolic-ref", "--quiet", "--short", "HEAD")
    built_from = f" built from {where or 'HEAD'} at {source}" if source else ""
    return f"Publish the site{built_from}\n"


def _identity_env(git: Git) -> dict | None:
    """git's own identity when it has one; a neutral one where none is configured (a CI
    runner), so that publishing does not fail for want of user.name."""
    if git.try_run("var", "GIT_COMMITTER_IDENT") and git.try_run("var", "GIT_AUTHOR_IDENT"):
        return None
    identity = {"NAME": "digestgen deploy", "EMAIL": "deploy@digestgen.invalid"}
    return {**git.env, **{f"GIT_{who}_{key}": value for who in ("AUTHOR", "COMMITTER")
                          for key, value in identity.items()}}
