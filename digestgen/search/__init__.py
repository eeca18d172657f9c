"""The site's own search index: terms to papers, in files a query fetches one a term, changed in
small units.

- :mod:`.terms`: what a text is indexed under and what a query looks up (the search box follows
  the same rules);
- :mod:`.postings`: the bytes of a bucket file, changed in place;
- :mod:`.segments`: runs of the archive, each with its papers' terms spread over buckets;
- :mod:`.pages`: what is read of a paper's page (its text and titles);
- :mod:`.index`: the whole index's files, made whole or changed from the live ones;
- :mod:`.site`: the build's step, from the staged pages through the staging tree.
"""
