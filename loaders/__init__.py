"""migkg: the EU migration policy knowledge graph, its build and its tools.

The package is importable as ``loaders``; its command-line interface is ``migkg``.
"""
