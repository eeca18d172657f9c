"""The scheduled GitHub Actions workflow ``digestgen init`` writes beside the Pages one.

arXiv announces at 20:00 US Eastern, Sunday to Thursday, and rebuilds its RSS feeds at midnight
Eastern (05:00 UTC in winter, 04:00 in summer), Monday to Friday; the workflow runs at 05:30
UTC on those days. A push made with the workflow's own token starts no other workflow (GitHub's
rule against loops), so after pushing it starts the Pages workflow by name.
"""

from __future__ import annotations

DAILY_WORKFLOW = ".github/workflows/daily.yml"
CRON = "30 5 * * 1-5"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


def daily_workflow(install: str, pages_workflow: str = "pages.yml") -> str:
    """The workflow text; ``install`` is what ``pip install`` is given."""
    return f"""\
# Adds the day's best papers from arXiv's announcements to the digest, ranked by closeness to
# the digest's own papers, and commits them; the Pages workflow then publishes the site.
# What it reads and how many papers it adds: the daily: section of digestgen.yaml (until that
# section is there, each run does nothing). It runs Monday to Friday at 05:30 UTC, after
# arXiv's feeds are rebuilt at midnight US Eastern, and by hand (Actions > Run workflow).
# Machine drafts of the missing languages need the repository secret OPENAI_API_KEY and the
# translate: section of digestgen.yaml; without them the papers are added in English only.
name: Add the day's papers

on:
  schedule:
    - cron: "{CRON}"
  workflow_dispatch:

permissions:
  contents: write  # commit and push the new papers
  actions: write   # start the Pages workflow: a push with this token starts none by itself

# One run at a time; a second one waits and then finds nothing new.
concurrency:
  group: daily
  cancel-in-progress: false

jobs:
  add:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v7
      - uses: actions/setup-python@v7
        with:
          python-version: "3.12"
      - name: Install digestgen
        run: python -m pip install "{install}"
      - name: Add the day's best papers
        env:
          OPENAI_API_KEY: ${{{{ secrets.OPENAI_API_KEY }}}}
        run: digestgen daily --message-file "$RUNNER_TEMP/commit-message"
      - name: Commit the new papers
        id: commit
        env:  # the runner's git has no identity; committing and rebasing need one
          GIT_AUTHOR_NAME: {BOT_NAME}
          GIT_AUTHOR_EMAIL: {BOT_EMAIL}
          GIT_COMMITTER_NAME: {BOT_NAME}
          GIT_COMMITTER_EMAIL: {BOT_EMAIL}
        run: |
          if [ ! -f "$RUNNER_TEMP/commit-message" ]; then
            echo "Nothing new: no commit."
            exit 0
          fi
          git add --all content
          git commit --quiet --file "$RUNNER_TEMP/commit-message"
          git pull --rebase --quiet origin "$GITHUB_REF_NAME"  # an editor may have pushed
          git push origin "HEAD:$GITHUB_REF_NAME"
          echo "pushed=true" >> "$GITHUB_OUTPUT"
      - name: Publish the site
        if: steps.commit.outputs.pushed == 'true'
        env:
          GH_TOKEN: ${{{{ github.token }}}}
        run: gh workflow run {pages_workflow} --ref "$GITHUB_REF_NAME"
"""
