"""Incremental builds: what a build may reuse from the previous build of the same output.

The pipeline uses this package through one door, :class:`~.builds.IncrementalBuild` (and the
theme through :func:`~.templates.template_cache`); nothing else in it knows of caches. Inside:

- :mod:`.state`: what the last build of an output left (fingerprint of every input, page keys,
  kept as a full file and a patch of what changed since) and the survey of the inputs that
  decides whether a build has anything to do;
- :mod:`.keys`: the key of every page (equal keys, byte-identical pages) and of list rows;
- :mod:`.rows`: the rows of paper lists, kept under their paper's key;
- :mod:`.records`: the content loader that reuses the records of unchanged files, and how the
  cache keeps a record;
- :mod:`.snapshot`: the content and site model as the last full load gave them, taken after
  an edit of a few papers with those replaced;
- :mod:`.textstore`: what markdown-it rendered, kept in a file looked into text by text;
- :mod:`.templates`: the compiled templates, named for the code that compiled them;
- :mod:`.storage`: the files of ``.digestgen-cache/`` (every one a copy of something a build
  can compute again: a broken one costs time, never correctness).
"""
