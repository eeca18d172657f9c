"""The ``digestgen`` subcommands, one module each; :mod:`digestgen.cli` gathers them."""
