"""Output: the staging tree swapped in atomically (staging, with its folders: folders), and
what a tree holds (manifest, survey)."""
