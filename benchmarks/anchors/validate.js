// The npm shacl-engine on the files benchmarks/anchors.py gives it: node validate.js DATA.nt SHAPES.ttl
// Prints one JSON line: parse and validation seconds, results, violations, conforms.
import { readFileSync } from 'node:fs'
import { Parser } from 'n3'
import rdf from 'rdf-ext'
import { Validator } from 'shacl-engine'

function load (path, format) {
  const dataset = rdf.dataset()
  for (const quad of new Parser({ format }).parse(readFileSync(path, 'utf8'))) {
    dataset.add(rdf.quad(quad.subject, quad.predicate, quad.object))
  }
  return dataset
}

const started = performance.now()
const data = load(process.argv[2], 'N-Triples')
const shapes = load(process.argv[3], 'Turtle')
const parsed = performance.now()
const validator = new Validator(shapes, { factory: rdf })
const report = await validator.validate({ dataset: data })
const done = performance.now()
const violation = 'http://www.w3.org/ns/shacl#Violation'
console.log(JSON.stringify({
  parse_s: (parsed - started) / 1000,
  validate_s: (done - parsed) / 1000,
  results: report.results.length,
  violations: report.results.filter((r) => r.severity && r.severity.value === violation).length,
  conforms: report.conforms
}))
