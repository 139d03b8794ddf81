#!/usr/bin/env python3
"""Lists every public symbol of the given modules that has no doc comment of its own, from the
symbol graphs that `swift package generate-documentation` extracted; exits 1 if there is any.

Usage: doc-coverage.py SYMBOL_GRAPH_ROOT MODULE...

A symbol counts when it is declared in this package's sources (so members that a type inherits
from the standard library do not) and is public or open. Its comment must come from this
package's sources: its own, or that of a requirement of one of this package's protocols that it
implements (DocC shows that one). A standard-library requirement's text ("A textual
representation of this instance") tells a reader nothing about this type, so `description`,
`==` and the like need their own.
"""
import glob
import json
import os
import sys


def undocumented(graph_files, sources):
    found = {}
    for path in graph_files:
        with open(path) as f:
            graph = json.load(f)
        for symbol in graph["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            uri = symbol.get("location", {}).get("uri", "")
            if not uri.startswith("file://" + sources + "/"):
                continue
            doc = symbol.get("docComment")
            if doc and doc.get("uri", "").startswith("file://" + sources + "/") and any(
                line["text"].strip() for line in doc["lines"]
            ):
                continue
            file = uri[len("file://" + sources + "/"):]
            line = symbol["location"]["position"]["line"] + 1
            name = ".".join(symbol["pathComponents"])
            found[(file, line, name)] = symbol["kind"]["displayName"]
    return found


def main():
    root, modules = sys.argv[1], sys.argv[2:]
    sources = os.path.realpath("Sources")
    missing = 0
    for module in modules:
        files = glob.glob(os.path.join(root, "**", module, module + ".symbols.json"), recursive=True)
        if not files:
            sys.exit(f"doc-coverage: no symbol graph for {module} under {root}")
        files += glob.glob(os.path.join(os.path.dirname(files[0]), module + "@*.symbols.json"))
        found = undocumented(files, sources)
        for (file, line, name), kind in sorted(found.items()):
            print(f"Sources/{file}:{line}: {kind.lower()} {name} has no doc comment")
        missing += len(found)
    if missing:
        print(f"doc-coverage: {missing} public symbols without a doc comment", file=sys.stderr)
        sys.exit(1)


main()
