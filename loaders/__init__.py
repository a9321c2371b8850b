"""migkg: the EU migration policy knowledge graph, its build and its tools.

The package is importable as ``loaders``; its command-line interface is ``migkg``.
From Python: ``from loaders import open_graph`` (see :mod:`loaders.api`), imported on
first use so that the CLI's start-up does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loaders.api import Graph, Result, open_graph

__all__ = ["Graph", "Result", "open_graph"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from loaders import api

        return getattr(api, name)
    raise AttributeError(f"module 'loaders' has no attribute {name!r}")
