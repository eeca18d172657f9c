"""arXiv: its ids, its API (through the arxiv package) and its announcement feeds."""
