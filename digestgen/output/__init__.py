"""Output: the staging tree swapped in atomically (staging), and what a tree holds
(manifest, survey)."""
