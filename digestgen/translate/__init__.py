"""Machine drafts of the texts a paper lacks (SPEC 5): ``digestgen translate``.

``settings`` is the ``translate:`` section of ``digestgen.yaml``; ``gaps`` finds what is
missing; ``prompts`` and ``faithful`` make requests and check replies; ``backends`` talk to a
model; ``run`` asks for drafts politely and writes each record as soon as its texts are done.
"""
