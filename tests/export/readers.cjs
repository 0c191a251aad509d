// The JavaScript readers of chaintrail's exports (tests/export/readers.py runs this):
//   node readers.cjs cytoscape FILE   the Cytoscape.js JSON, loaded by cytoscape (headless)
//   node readers.cjs gexf FILE        the GEXF 1.3, parsed by graphology-gexf
// Prints one JSON summary as the reader saw the graph: node and edge counts, the sums of
// the edge and node `value` attributes (exact: BigInt of their text), and address -> label.
'use strict';
const fs = require('fs');

function bigOf(v) {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error('value lost digits: ' + v);
  return BigInt(String(v));
}

const MODELS = ['poison', 'haircut', 'fifo', 'lifo', 'tiho'];

// nodes: [attributes]; edges: [[target attributes, attributes]]
function summary(nodes, edges, labelKey) {
  let ev = 0n, nv = 0n;
  const labels = {};
  for (const d of nodes) {
    nv += bigOf(d.value);
    if (d.kind === 'address') labels[d.address] = d[labelKey];
  }
  for (const [, d] of edges) ev += bigOf(d.value);
  const out = { nodes: nodes.length, edges: edges.length, edge_value: ev.toString(),
                node_value: nv.toString(), labels };
  if (edges.length && edges[0][1].taint_poison !== undefined) {
    const by = {};
    for (const m of MODELS) by[m] = {};
    for (const [t, d] of edges) {
      const cat = t.category || '';
      if (t.kind === 'tx' || !cat) continue; // carried on, not an endpoint
      for (const m of MODELS) {
        const v = bigOf(d['taint_' + m]);
        if (v) by[m][cat] = (by[m][cat] || 0n) + v;
      }
    }
    out.by_category = {};
    for (const m of MODELS) {
      out.by_category[m] = {};
      for (const c of Object.keys(by[m]).sort()) out.by_category[m][c] = by[m][c].toString();
    }
  }
  return out;
}

const [kind, file] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
let out;
if (kind === 'cytoscape') {
  const cytoscape = require('cytoscape');
  const json = JSON.parse(text);
  const given = json.elements.nodes.length + json.elements.edges.length;
  const cy = cytoscape({ headless: true, elements: json.elements });
  // Cytoscape drops an element whose id is taken without a word: compare with the file
  if (cy.elements().length !== given)
    throw new Error(`cytoscape kept ${cy.elements().length} of ${given} elements`);
  out = summary(cy.nodes().map((n) => n.data()),
                cy.edges().map((e) => [e.target().data(), e.data()]), 'label');
} else if (kind === 'gexf') {
  const gexf = require('graphology-gexf');
  const { MultiDirectedGraph } = require('graphology');
  const g = gexf.parse(MultiDirectedGraph, text);
  const nodes = [], edges = [];
  g.forEachNode((k, a) => nodes.push(a));
  g.forEachEdge((k, a, s, t, sa, ta) => edges.push([ta, a]));
  // the GEXF node label is the caption; the label text is the attribute "owner"
  out = summary(nodes, edges, 'owner');
} else {
  throw new Error('unknown reader ' + kind);
}
process.stdout.write(JSON.stringify(out) + '\n');
