"""Keep the generated tables of the README and the docs pages true: regenerate the blocks
between markers, wherever a page has them.

    <!-- generated:coverage -->  ...  <!-- /generated:coverage -->

`python -m aqkg.docs.readme --store PATH` rewrites them from a built store; the tests fail when
a page differs from what the shipped data gives.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from aqkg.build.coverage import coverage_matrix, matrix_markdown
from aqkg.paths import GRAPH_BASE, project_root
from aqkg.sparql.catalogue import catalogue, every_row
from aqkg.sparql.results import plain
from aqkg.store.embedded import EmbeddedStore

BlockRenderer = Callable[[EmbeddedStore], str]
COUNTRY_GRAPHS = GRAPH_BASE + "data/countries/"
WORKED_EXAMPLE = "SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"


def coverage_block(store: EmbeddedStore) -> str:
    return matrix_markdown(coverage_matrix(store))


def sources_block(store: EmbeddedStore) -> str:
    result = store.select(every_row(catalogue()["sources"]))
    wanted = ["title", "publisher", "year", "url", "citedBy"]
    index = {name: result.variables.index(name) for name in wanted}
    lines = ["| title | publisher | year | records |", "|---|---|---|---|"]
    for row in result.rows:
        cells = {name: plain(row[i]).replace("|", "\\|") for name, i in index.items()}
        lines.append(
            f"| [{cells['title']}]({cells['url']}) | {cells['publisher']} | "
            f"{cells['year'] or 'n.d.'} | {cells['citedBy']} |"
        )
    return "\n".join(lines)


def country_graphs_block(store: EmbeddedStore) -> str:
    """Each member state's graphs, with the answer of the README's worked example for each:
    `SELECT (COUNT(*) AS ?n) FROM <graph> WHERE { ?s ?p ?o }`, run as written."""
    counts: dict[str, list[str]] = defaultdict(list)
    for graph in store.graph_names():
        if graph.startswith(COUNTRY_GRAPHS):
            country, name = graph.removeprefix(COUNTRY_GRAPHS).split("/", 1)
            [[count]] = store.select(WORKED_EXAMPLE.format(graph=graph)).rows
            counts[country].append(f"`{name}` ({plain(count)})")
    lines = ["| member state | its graphs (the example's answer) |", "|---|---|"]
    lines += [f"| {country.upper()} | {', '.join(names)} |" for country, names in counts.items()]
    return "\n".join(lines)


BLOCKS: dict[str, BlockRenderer] = {
    "coverage": coverage_block,
    "sources": sources_block,
    "country-graphs": country_graphs_block,
}


def render(text: str, store: EmbeddedStore) -> str:
    """README text with every generated block replaced by its fresh content."""
    for name, renderer in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.DOTALL
        )
        match = pattern.search(text)
        if match:
            fresh = match.group(1) + renderer(store) + "\n" + match.group(2)
            text = text[: match.start()] + fresh + text[match.end() :]
    return text


def pages() -> list[Path]:
    """The pages that may hold generated blocks: the README and every docs page."""
    root = project_root()
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate the generated tables of the pages.")
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    store = EmbeddedStore.open(args.store)
    for page in pages():
        text = page.read_text(encoding="utf-8")
        fresh = render(text, store)
        if fresh != text:
            page.write_text(fresh, encoding="utf-8")


if __name__ == "__main__":
    main()
