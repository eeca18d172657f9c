"""The preview server's site: kept in memory between rebuilds (:mod:`.memory`), and its output on
disk with the search index brought up to date in the background (:mod:`.catchup`)."""
