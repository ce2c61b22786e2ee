"""Rendering a Recognition as a terminal table, JSON or Markdown.

JSON is the complete result (every field of every dataclass, in declaration order) under a
format tag, so the explorer and the REST API can rely on it. The text formats put the
curation warnings first, so a result resting on illustrative data never reads as fact.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from aqkg.recognition.model import (
    CERTIFICATION_RULE,
    Candidate,
    Certification,
    Coverage,
    Everywhere,
    Hop,
    Recognition,
    Shared,
    Source,
    Step,
    UnitMatch,
)
from aqkg.sparql.results import compact

JSON_FORMAT_TAG = "aqkg-recognition/1"
EVERYWHERE_FORMAT_TAG = "aqkg-recognition-everywhere/1"
# certification paths a terminal table details; the rest get one line each
SHOWN_IN_FULL = 3


def render(rec: Recognition, fmt: Literal["table", "json", "markdown"]) -> str:
    renderers: dict[str, Callable[[Recognition], str]] = {
        "table": as_table,
        "json": as_json,
        "markdown": as_markdown,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}: use table, json or markdown")
    return renderers[fmt](rec)


def render_everywhere(answer: Everywhere, fmt: Literal["table", "json", "markdown"]) -> str:
    held = answer.held
    if fmt == "json":
        payload = {
            "format": EVERYWHERE_FORMAT_TAG,
            "held": dataclasses.asdict(held),
            "ranking_rule": answer.ranking_rule,
            "destinations": [dataclasses.asdict(d) for d in answer.destinations],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False)
    title = (
        f"Recognition of {held.reference} ({held.country_name}) in every other member state, "
        "best first"
    )
    lines = [f"# {title}", ""] if fmt == "markdown" else [title, ""]
    for n, d in enumerate(answer.destinations, 1):
        if fmt == "markdown":
            lines.append(f"{n}. **{d.country_name} ({d.country})**: {d.headline}")
        elif fmt == "table":
            lines.append(f"{n:>2}. {d.country}  {d.headline}")
        else:
            raise ValueError(f"unknown format {fmt!r}: use table, json or markdown")
    disclaimer = "This is not an official recognition decision in any of these member states."
    lines += ["", f"ranking: {answer.ranking_rule}", disclaimer]
    lines.append(f"Details for one destination: aqkg recognise {held.reference} --to XX")
    return "\n".join(lines) + "\n"


def as_json(rec: Recognition) -> str:
    fields = dataclasses.asdict(rec)
    # the plain answer first, as in the text formats
    payload = {"format": JSON_FORMAT_TAG, "summary": fields.pop("summary"), **fields}
    return json.dumps(payload, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Shared wording
# ---------------------------------------------------------------------------------------------


def _iri(iri: str) -> str:
    return compact(iri) if iri else ""


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _imprint(source: Source) -> str:
    return ", ".join(part for part in (source.publisher, source.year) if part)


def coverage_line(cov: Coverage) -> str:
    weakest = cov.weakest or "none (no unit matched)"
    return (
        f"{cov.covered} of {cov.total} covered ({_percent(cov.share_covered)}), "
        f"{cov.partly_covered} partly, {len(cov.missing)} missing; weakest link: {weakest}"
    )


def hops_text(match: UnitMatch) -> str:
    return " > ".join(_hop_text(h) for h in match.hops)


def _hop_text(hop: Hop) -> str:
    records = ", ".join(f"{e.predicate} {e.read} [{e.curation}]" for e in hop.records)
    return f"{hop.relation} ({records})"


def shares_text(shares: Sequence[Shared]) -> str:
    """What a candidate shares with the held qualification, grouped by kind."""
    grouped: dict[str, list[str]] = {}
    for shared in shares:
        grouped.setdefault(shared.kind, []).append(shared.label)
    return "; ".join(f"{kind}: {', '.join(labels)}" for kind, labels in grouped.items())


def _via(match: UnitMatch) -> str:
    return f"regional unit {match.via.code}" if match.via else "direct"


def summary_parts(rec: Recognition) -> list[tuple[str, list[str]]]:
    """The plain answer as (heading, lines): verdicts, basis, next steps, whom to ask, and
    that this is no decision. The technical detail follows it in every format."""
    summary = rec.summary
    if summary is None:
        return []
    verdicts = [v.sentence for v in summary.verdicts] or [summary.headline]
    parts = [("In short", verdicts)]
    if summary.verdicts:
        parts.append(("Basis", [summary.verdicts[0].basis]))
    parts += [
        ("What to do next", list(summary.next_steps)),
        ("Authority", [summary.authority_statement]),
        ("Not a decision", [summary.disclaimer]),
    ]
    return parts


def _unit(code: str, title: str, width: int = 48) -> str:
    """A unit as its code and title (clipped for a terminal table)."""
    text = f"{code} {title}".strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def _header(rec: Recognition) -> list[str]:
    held = rec.held
    occupations = ", ".join(
        o.title + (f" (ISCO-08 {', '.join(o.isco_groups)})" if o.isco_groups else "")
        for o in held.occupations
    )
    return [
        f"Recognition of {held.reference} ({held.country_name}) in {rec.to_country_name} "
        f"({rec.to_country})",
        f"held: {held.title} [{held.curation}]",
        f"level: {held.level.statement}",
        f"occupations: {occupations or 'none recorded'}",
        f"arrangements: {rec.arrangement_statement}",
    ]


# ---------------------------------------------------------------------------------------------
# Terminal table
# ---------------------------------------------------------------------------------------------


def as_table(rec: Recognition) -> str:
    lines = []
    for heading, texts in summary_parts(rec):
        lines.append(f"{heading}:")
        lines += [f"  - {t}" for t in texts]
    if lines:
        lines += ["", "Details", "-------"]
    lines += _header(rec)
    if rec.warnings:
        lines += ["", "WARNING: this result depends on data that is not verified:"]
        lines += [f"  ! {w}" for w in rec.warnings]
    lines += [f"note: {n}" for n in rec.notes]
    lines += ["", f"ranking: {rec.ranking_rule}"]
    for candidate in rec.candidates:
        lines += ["", *_table_candidate(candidate)]
    if rec.certifications:
        lines += [
            "",
            f"certification paths ({len(rec.certifications)}), ranked: {CERTIFICATION_RULE}",
        ]
    for certification in rec.certifications[:SHOWN_IN_FULL]:
        lines += ["", *_table_certification(certification)]
    if len(rec.certifications) > SHOWN_IN_FULL:
        lines += [
            "",
            "other certification paths (the JSON and Markdown formats give them in full):",
        ]
        lines += [
            f"  C{c.rank}. {c.standard_title} {c.job_title_name}: {coverage_line(c.coverage)}"
            for c in rec.certifications[SHOWN_IN_FULL:]
        ]
    for heading, documents in _cited(rec):
        lines += ["", f"{heading}:"]
        lines += [
            f"  {_iri(s.iri)}: {s.title} ({s.publisher}, {s.year}) {s.url}" for s in documents
        ]
    return "\n".join(lines)


def _cited(rec: Recognition) -> list[tuple[str, tuple[Source, ...]]]:
    """The evidence, then apart what illustrative steps imitate (never called a source)."""
    parts = [("sources", rec.sources)]
    parts.append(
        ("modelled on (documents illustrative steps imitate; not evidence)", rec.modelled_on)
    )
    return [(heading, documents) for heading, documents in parts if documents]


def _table_candidate(c: Candidate) -> list[str]:
    q = c.qualification
    lines = [
        f"{c.rank}. {q.reference}  {q.title} [{q.curation}]",
        f"   why: {c.why}",
        f"   basis: {c.basis.statement}",
        f"   level: {q.level.statement}",
        f"   shares: {shares_text(c.shares)}",
    ]
    lines += [f"   ! {w}" for w in c.warnings]
    lines += _table_coverage("units of the target covered by the held qualification", c.coverage)
    lines += _table_coverage("reverse: units of the held qualification covered", c.reverse_coverage)
    lines.append("   steps:")
    lines += [f"     {_step_text(s)}" for s in c.steps]
    return lines


def _table_certification(c: Certification) -> list[str]:
    lines = [
        f"C{c.rank}. {c.standard_title} job title: {c.job_title_name}"
        + (f" ({c.division})" if c.division else ""),
        f"   {c.statement}",
        f"   why: {c.why}",
    ]
    lines += [f"   ! {w}" for w in c.warnings]
    lines += _table_coverage(
        "units the job title requires, covered by the held qualification", c.coverage
    )
    lines.append("   steps:")
    lines += [f"     {_step_text(s)}" for s in c.steps]
    return lines


def _table_coverage(title: str, cov: Coverage) -> list[str]:
    lines = [f"   {title}: {coverage_line(cov)}"]
    rows = [
        (
            _unit(m.unit.code, m.unit.title),
            _unit(m.matched_by.code, m.matched_by.title),
            _via(m),
            f"{m.relation} ({m.covers})",
            hops_text(m),
        )
        for m in cov.matches
    ]
    lines += _aligned(("unit", "matched by", "via", "relation", "hops"), rows, indent="     ")
    for missing in cov.missing:
        lines.append(f"     missing: {missing.unit.code} {missing.unit.title}".rstrip())
        lines += [f"       - {reason}" for reason in missing.reasons]
    return lines


def _aligned(head: tuple[str, ...], rows: Sequence[tuple[str, ...]], indent: str) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return [
        indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *rows]
    ]


def _step_text(step: Step) -> str:
    return f"{step.kind:<18} {_iri(step.iri)}  [{step.curation}]  {_cites(step)}"


def _cites(step: Step) -> str:
    """`sources: ...`, or for an illustrative record `modelled on: ...` (not evidence)."""
    if step.modelled_on and not step.sources:
        return "modelled on: " + ", ".join(_iri(s) for s in step.modelled_on)
    return "sources: " + (", ".join(_iri(s) for s in step.sources) or "no source")


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Iterator[str]:
    yield "| " + " | ".join(head) + " |"
    yield "|" + "---|" * len(head)
    for row in rows:
        yield "| " + " | ".join(_cell(c) for c in row) + " |"


def as_markdown(rec: Recognition) -> str:
    title, *facts = _header(rec)
    lines = [f"# {title}", ""]
    for heading, texts in summary_parts(rec):
        lines += [f"**{heading}**", ""]
        lines += [f"- {t}" for t in texts]
        lines.append("")
    if rec.summary is not None:
        lines += ["## Details", ""]
    if rec.warnings:
        lines += ["> **Warning: this result depends on data that is not verified.**", ">"]
        lines += [f"> - {w}" for w in rec.warnings]
        lines.append("")
    lines += [f"- {f}" for f in facts]
    lines += [f"- note: {n}" for n in rec.notes]
    lines += [f"- ranking: {rec.ranking_rule}", ""]
    for candidate in rec.candidates:
        lines += _md_candidate(candidate)
    if rec.certifications:
        lines += ["## Certification paths", "", f"Ranked: {CERTIFICATION_RULE}.", ""]
    for certification in rec.certifications:
        lines += _md_certification(certification)
    for heading, documents in _cited(rec):
        lines += [f"## {heading[:1].upper()}{heading[1:]}", ""]
        lines += [
            f"- `{_iri(s.iri)}`: [{s.title}]({s.url}) ({s.publisher}, {s.year})" for s in documents
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_candidate(c: Candidate) -> list[str]:
    q = c.qualification
    lines = [f"## {c.rank}. {q.reference}: {q.title}", ""]
    lines += [f"> **{w}**" for w in c.warnings]
    if c.warnings:
        lines.append("")
    lines += [
        f"- why: {c.why}",
        f"- basis: {c.basis.statement}",
        f"- level: {q.level.statement}",
        f"- curation of the qualification: {q.curation}",
        f"- shares: {shares_text(c.shares)}",
        "",
    ]
    lines += _md_coverage("Units of the target covered by the held qualification", c.coverage)
    lines += _md_coverage("Reverse: units of the held qualification covered", c.reverse_coverage)
    lines += ["### Steps", ""]
    rows = [(s.kind, f"`{_iri(s.iri)}`", s.curation, _md_cites(s)) for s in c.steps]
    lines += [*_md_table(("step", "record", "curation", "sources (or modelled on)"), rows), ""]
    return lines


def _md_certification(c: Certification) -> list[str]:
    division = f" ({c.division})" if c.division else ""
    lines = [f"### C{c.rank}. {c.standard_title} job title: {c.job_title_name}{division}", ""]
    lines += [f"> **{w}**" for w in c.warnings]
    if c.warnings:
        lines.append("")
    lines += [f"- {c.statement}", f"- why: {c.why}", ""]
    lines += _md_coverage(
        "Units the job title requires, covered by the held qualification", c.coverage
    )
    rows = [(s.kind, f"`{_iri(s.iri)}`", s.curation, _md_cites(s)) for s in c.steps]
    lines += [*_md_table(("step", "record", "curation", "sources (or modelled on)"), rows), ""]
    return lines


def _md_cites(step: Step) -> str:
    if step.modelled_on and not step.sources:
        return "modelled on " + ", ".join(f"`{_iri(x)}`" for x in step.modelled_on)
    return ", ".join(f"`{_iri(x)}`" for x in step.sources)


def _md_coverage(title: str, cov: Coverage) -> list[str]:
    lines = [f"### {title}", "", coverage_line(cov), ""]
    rows: list[tuple[str, ...]] = [
        (
            f"{m.unit.code} {m.unit.title}".strip(),
            f"{m.matched_by.code} {m.matched_by.title}".strip(),
            _via(m),
            m.relation,
            m.covers,
            hops_text(m),
            ", ".join(f"`{_iri(e.record)}`" for h in m.hops for e in h.records),
        )
        for m in cov.matches
    ]
    rows += [
        (
            f"{u.unit.code} {u.unit.title}".strip(),
            "",
            "",
            "missing",
            "none",
            "; ".join(u.reasons),
            ", ".join(f"`{_iri(r)}`" for r in u.no_match_records),
        )
        for u in cov.missing
    ]
    head = ("unit", "matched by", "via", "relation", "covers", "hops", "records")
    return [*lines, *_md_table(head, rows), ""]
