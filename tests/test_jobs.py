"""The site's pages as work to do (digestgen.pages.jobs): a JobList, jobs kept as columns, reads
as the list of jobs it was made from."""

from digestgen.pages.jobs import Job, JobList
from digestgen.pages.reads import PageKind

JOBS = [Job(PageKind.HOME, "zh", None, "index.html", 10),
        Job(PageKind.PAPER, "zh", "paper a", "papers/a/index.html", 3),
        Job(PageKind.PAPER, "en", "paper a", "en/papers/a/index.html", 2),
        Job(PageKind.PAPER, "zh", "paper b", "papers/b/index.html", 3),
        Job(PageKind.ROBOTS, None, None, "robots.txt")]


def test_a_job_list_reads_as_the_jobs_it_was_made_from():
    jobs = JobList.of(JOBS)
    assert list(jobs) == JOBS and all(type(job) is Job for job in jobs)
    assert len(jobs) == 5 and jobs[1] == JOBS[1] and jobs[-1] == JOBS[-1]
    assert jobs[1:3] == JOBS[1:3] and jobs[::-2] == JOBS[::-2]
    assert jobs.paths == [job.path for job in JOBS]
    assert jobs.subjects == [job.subject for job in JOBS]
    assert JobList.of(jobs) is jobs and list(JobList.of([])) == []


def test_picked_jobs_and_the_paths_of_one_kind_in_one_language():
    jobs = JobList.of(JOBS)
    assert jobs.picked([False, True, False, False, True]) == [JOBS[1], JOBS[4]]
    assert jobs.picked(job.lang is None for job in JOBS) == [JOBS[4]]
    assert jobs.paths_of(PageKind.PAPER, "zh") == ["papers/a/index.html", "papers/b/index.html"]
    assert jobs.paths_of(PageKind.PAPER, "fr") == []
