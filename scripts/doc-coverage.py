#!/usr/bin/env python3
"""Lists every public symbol of the given modules that has no doc comment, from the
symbol graphs that `swift package generate-documentation` extracted; exits 1 if there is any.

Usage: doc-coverage.py BUILD_DIR MODULE...

A symbol counts when it is declared in this package's sources (so members that a type inherits
from the standard library do not) and is public or open; SPI symbols are not in the graphs. Its comment must come from this
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
    """The public symbols declared in `sources` without a comment, and how many were checked."""
    found, checked = {}, 0
    for path in graph_files:
        with open(path) as f:
            graph = json.load(f)
        for symbol in graph["symbols"]:
            # An extension block of another module's type: its members are checked one by one.
            if symbol.get("accessLevel") not in ("public", "open") or symbol["kind"]["identifier"] == "swift.extension":
                continue
            uri = symbol.get("location", {}).get("uri", "")
            if not uri.startswith("file://" + sources + "/"):
                continue
            checked += 1
            doc = symbol.get("docComment")
            if doc and doc.get("uri", "").startswith("file://" + sources + "/") and any(
                line["text"].strip() for line in doc["lines"]
            ):
                continue
            file = uri[len("file://" + sources + "/"):]
            line = symbol["location"]["position"]["line"] + 1
            name = ".".join(symbol["pathComponents"])
            found[(file, line, name)] = symbol["kind"]["displayName"]
    return found, checked


def main():
    root, modules = sys.argv[1], sys.argv[2:]
    sources = os.path.realpath("Sources")
    missing = total = 0
    for module in modules:
        # SwiftPM extracts them to BUILD/TRIPLE/extracted-symbols/PACKAGE/MODULE/; the newest wins.
        graphs = glob.glob(os.path.join(root, "*", "extracted-symbols", "*", module, module + ".symbols.json"))
        if not graphs:
            sys.exit(f"doc-coverage: no symbol graph for {module} under {root}")
        newest = max(graphs, key=os.path.getmtime)
        files = [newest] + glob.glob(os.path.join(os.path.dirname(newest), module + "@*.symbols.json"))
        found, checked = undocumented(files, sources)
        total += checked
        for (file, line, name), kind in sorted(found.items()):
            print(f"Sources/{file}:{line}: {kind.lower()} {name} has no doc comment")
        missing += len(found)
    if missing:
        print(f"doc-coverage: {missing} public symbol(s) without a doc comment", file=sys.stderr)
        sys.exit(1)
    print(f"doc-coverage: all {total} public symbols of {', '.join(modules)} have a doc comment")


main()
