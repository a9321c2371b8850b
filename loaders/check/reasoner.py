"""OWL 2 consistency check with HermiT (through owlready2 and the machine's Java).

The ontology modules and the instance data are handed to HermiT as one N-Triples
file; ``owl:imports`` are dropped first, since every module is already in the file and
owlready2 would otherwise try to fetch them over the network, and so are the Data Cube
types of properties (see ``_PUNNED_METACLASSES``). Shapes are left out:
they are SHACL, not OWL.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from loaders.errors import MigkgError
from loaders.namespaces import QB

_PUNNED_METACLASSES = {QB.DimensionProperty, QB.MeasureProperty, QB.AttributeProperty}
"""Data Cube types of our properties: punning that owlready2 warns about and that
adds nothing to the OWL semantics, so it is left out of what HermiT sees."""


@dataclass(frozen=True)
class Consistency:
    consistent: bool
    detail: str
    unsatisfiable: list[str]


def check_consistency(graph: Graph) -> Consistency:
    """Run HermiT on ``graph``; report consistency and any unsatisfiable classes."""
    if shutil.which("java") is None:
        raise MigkgError(
            "the OWL reasoner needs Java and none is on PATH; install a Java runtime "
            "(Debian: apt-get install default-jre-headless)"
        )
    try:
        import owlready2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise MigkgError("owlready2 is not installed: pip install owlready2") from exc

    stripped = Graph(bind_namespaces="none")
    for triple in graph:
        if triple[1] == OWL.imports:
            continue
        if triple[1] == RDF.type and triple[2] in _PUNNED_METACLASSES:
            continue
        stripped.add(triple)
    with tempfile.TemporaryDirectory(prefix="migkg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        stripped.serialize(destination=str(path), format="nt", encoding="utf-8")
        world = owlready2.World()
        ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            with ontology:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
                )
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            why = f" ({exc})" if str(exc) else ""
            return Consistency(
                False, f"HermiT: the ontology with its data is inconsistent{why}", []
            )
        except owlready2.OwlReadyJavaError as exc:
            raise MigkgError(f"HermiT failed to run: {exc}") from exc
        unsatisfiable = sorted(str(c.iri) for c in world.inconsistent_classes())
    if unsatisfiable:
        return Consistency(False, "HermiT: some classes can have no instances", unsatisfiable)
    return Consistency(True, "HermiT: consistent, every class satisfiable", [])
