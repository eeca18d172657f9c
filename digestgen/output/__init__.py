"""Output: the staging tree swapped in atomically (staging), what a tree holds
(manifest), and the search index (search)."""
