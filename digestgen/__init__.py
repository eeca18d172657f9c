"""digestgen: a static-site generator for bilingual (Chinese + English) paper digests."""

__version__ = "0.1.0"
