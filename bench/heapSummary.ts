/**
 * `node dist/bench/heapSummary.js FILE [--per N] [--top K]`: what a heap snapshot (ingestHeap's
 * --snapshot) is made of, by the self size of its objects grouped by what they are, largest first,
 * in bytes per N (agents: ingestHeap's --agents). An object is grouped by its constructor; what has
 * no useful name of its own (an array's elements, a heap number, an Array or a plain Object) is
 * grouped by its first retainer's constructor and the field that holds it ("RecentPoints.sharedAtMs
 * -> Array"), which is what says which state of the collector it belongs to. Figures only.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string', default: '1' }, top: { type: 'string', default: '30' } } });
const file = positionals[0];
if (file === undefined) throw new Error('usage: node dist/bench/heapSummary.js FILE [--per N] [--top K]');
const per = Number(values.per);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}
const { snapshot, nodes, edges, strings } = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const { meta } = snapshot;
const nodeFields = meta.node_fields.length;
const edgeFields = meta.edge_fields.length;
const [nodeTypes] = meta.node_types;
const [edgeTypes] = meta.edge_types;
const TYPE = meta.node_fields.indexOf('type');
const NAME = meta.node_fields.indexOf('name');
const SELF = meta.node_fields.indexOf('self_size');
const EDGE_COUNT = meta.node_fields.indexOf('edge_count');
const EDGE_TYPE = meta.edge_fields.indexOf('type');
const EDGE_NAME = meta.edge_fields.indexOf('name_or_index');
const EDGE_TO = meta.edge_fields.indexOf('to_node');
const count = nodes.length / nodeFields;

const typeOf = (node: number) => nodeTypes[nodes[node * nodeFields + TYPE]!]!;
const nameOf = (node: number) => strings[nodes[node * nodeFields + NAME]!]!;
/** What a node is called on its own: its constructor for an object, else its type (and name for code and internals). */
function ownLabel(node: number): string {
  const type = typeOf(node);
  if (type === 'object' || type === 'closure' || type === 'hidden' || type === 'code' || type === 'array') return `${nameOf(node)}${type === 'object' ? '' : ` (${type})`}`;
  return `(${type})`;
}
/** Nodes whose own label says too little: grouped by their first retainer. */
function anonymous(node: number): boolean {
  const type = typeOf(node);
  const name = nameOf(node);
  return type === 'array' || type === 'number' || type === 'string' || type === 'sliced string' || type === 'concatenated string' || (type === 'object' && (name === 'Array' || name === 'Object')) || type === 'hidden';
}

// The first retainer of each node and the edge's name (a field, or [] for an element).
const retainer = new Int32Array(count).fill(-1);
const retainerEdge: string[] = new Array<string>(count);
let edge = 0;
for (let node = 0; node < count; node++) {
  const edgesOfNode = nodes[node * nodeFields + EDGE_COUNT]!;
  for (let i = 0; i < edgesOfNode; i++, edge += edgeFields) {
    const to = edges[edge + EDGE_TO]! / nodeFields;
    const type = edgeTypes[edges[edge + EDGE_TYPE]!]!;
    if (type === 'weak' || type === 'shortcut' || retainer[to] !== -1) continue;
    retainer[to] = node;
    // Elements, and the numbered slots of a hash table (internal edges named by their index), are one group.
    const name = type === 'element' || type === 'hidden' ? '[]' : strings[edges[edge + EDGE_NAME]!]!;
    retainerEdge[to] = /^\d+$/.test(name) ? '[]' : name;
  }
}

const bytes = new Map<string, { bytes: number; count: number }>();
let total = 0;
for (let node = 0; node < count; node++) {
  const self = nodes[node * nodeFields + SELF]!;
  total += self;
  let label = ownLabel(node);
  // Up to two retainers: an Array's elements are held by the Array, which a field of the state holds.
  let at = node;
  for (let hop = 0; hop < 2 && anonymous(at) && retainer[at] !== -1; hop++) {
    label = `${ownLabel(retainer[at]!)}.${retainerEdge[at]} -> ${label}`;
    at = retainer[at]!;
  }
  const entry = bytes.get(label) ?? { bytes: 0, count: 0 };
  entry.bytes += self;
  entry.count++;
  bytes.set(label, entry);
}
const unit = per === 1 ? 'bytes' : `bytes per ${per}`;
console.log(`${file}: ${(total / 1048576).toFixed(1)} MB in ${count} objects, ${(total / per).toFixed(0)} ${unit}`);
for (const [label, { bytes: size, count: objects }] of [...bytes].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(values.top))) {
  console.log(`${(size / per).toFixed(0).padStart(8)} ${unit}  ${(objects / per).toFixed(2).padStart(8)} objects  ${label}`);
}
