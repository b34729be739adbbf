/**
 * Hostile requests for the intake fuzz suite, generated deterministically from a seed (mulberry32),
 * so a failure names a seed and an index that replay it. Every request is bad by construction: a
 * class of the list (truncated or mistyped JSON, huge numbers, far timestamps both ways,
 * deep nesting, label floods, long strings, bad UTF-8, gzip bombs, wrong content types, oversized
 * bodies, prototype keys, wrong shapes) applied to a valid body of one of the write routes. Names
 * in them start with `fuzz`, so a test can check that nothing of them was stored.
 */
import { gzipSync } from 'node:zlib';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';

/** A seeded PRNG in [0, 1): mulberry32. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PAYLOAD_CLASSES = [
  'truncated-json',
  'mistyped-field',
  'missing-field',
  'huge-number',
  'far-timestamp',
  'deep-nesting',
  'label-flood',
  'bad-label',
  'long-string',
  'bad-utf8',
  'gzip-bomb',
  'bad-gzip',
  'wrong-content-type',
  'oversized-body',
  'prototype-key',
  'wrong-shape',
  'unknown-field',
  'bad-value',
] as const;
export type PayloadClass = (typeof PAYLOAD_CLASSES)[number];

export interface HostileRequest {
  index: number;
  payloadClass: PayloadClass;
  route: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Who presents what: the write routes' credentials, and the limits the payloads aim past. */
export interface HostileOptions {
  seed: number;
  agentToken: string;
  enrollmentToken: string;
  adminToken: string;
  maxBodyBytes: number;
  /** The collector's clock and intake window, to aim far timestamps just past it. */
  nowMs: number;
  maxAheadMs: number;
  maxAgeMs: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Kind = 'string' | 'number' | 'integer' | 'object' | 'array';
/** A field of a route's body: where it is and what type it must be, and its longest string, if any. */
interface Field {
  path: Array<string | number>;
  kind: Kind;
  maxLength?: number;
}
interface Route {
  path: string;
  auth?: 'agent' | 'enrollment' | 'admin';
  body(index: number, options: HostileOptions): Record<string, Json>;
  fields: Field[];
  /** Classes that would make a valid body of this route. */
  skip?: PayloadClass[];
  /** The report route only: gzip decoding, timestamps, labels, and unknown fields that are dropped, not refused. */
  report?: true;
}

const iso = (ms: number) => new Date(ms).toISOString();

function reportBody(index: number, options: HostileOptions): Report {
  const at = iso(options.nowMs);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `fuzz-${index}`, hostname: `fuzz-${index}`, version: 'fuzz', intervalSeconds: 15, labels: { role: 'fuzz' }, addresses: ['10.0.0.1'] },
    sequence: index,
    sentAt: at,
    observations: [
      { metric: 'memory_used_ratio', labels: {}, value: 0.5, at },
      { metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: 0.2, at },
    ],
    checks: [{ name: 'fuzz-check', status: 'ok', output: 'fine', at, durationSeconds: 0.1 }],
  } as Report;
}

const ROUTES: Route[] = [
  {
    path: REPORTS_PATH,
    auth: 'agent',
    report: true,
    body: (index, options) => reportBody(index, options) as unknown as Record<string, Json>,
    fields: [
      { path: ['schemaVersion'], kind: 'integer' },
      { path: ['agent'], kind: 'object' },
      { path: ['agent', 'id'], kind: 'string', maxLength: 128 },
      { path: ['agent', 'hostname'], kind: 'string', maxLength: 253 },
      { path: ['agent', 'version'], kind: 'string', maxLength: 64 },
      { path: ['agent', 'intervalSeconds'], kind: 'number' },
      { path: ['agent', 'labels'], kind: 'object' },
      { path: ['agent', 'addresses'], kind: 'array' },
      { path: ['agent', 'addresses', 0], kind: 'string', maxLength: 64 },
      { path: ['sequence'], kind: 'integer' },
      { path: ['sentAt'], kind: 'string' },
      { path: ['observations'], kind: 'array' },
      { path: ['observations', 0, 'metric'], kind: 'string', maxLength: 200 },
      { path: ['observations', 1, 'labels'], kind: 'object' },
      { path: ['observations', 1, 'labels', 'mount'], kind: 'string', maxLength: 1024 },
      { path: ['observations', 0, 'value'], kind: 'number' },
      { path: ['observations', 1, 'at'], kind: 'string' },
      { path: ['checks'], kind: 'array' },
      { path: ['checks', 0, 'name'], kind: 'string', maxLength: 200 },
      { path: ['checks', 0, 'output'], kind: 'string', maxLength: 4096 },
      { path: ['checks', 0, 'durationSeconds'], kind: 'number' },
    ],
  },
  {
    path: '/api/v1/enroll',
    auth: 'enrollment',
    body: (index) => ({ agentId: `fuzz-enroll-${index}`, hostname: `fuzz-enroll-${index}` }),
    fields: [
      { path: ['agentId'], kind: 'string', maxLength: 128 },
      { path: ['hostname'], kind: 'string', maxLength: 253 },
    ],
  },
  {
    path: '/api/v1/silences',
    auth: 'admin',
    body: (index) => ({ matchers: [`host="fuzz-${index}"`], expiresAt: '2999-01-01T00:00:00Z', comment: 'fuzz' }),
    fields: [
      { path: ['matchers'], kind: 'array' },
      { path: ['matchers', 0], kind: 'string', maxLength: 2048 },
      { path: ['expiresAt'], kind: 'string' },
      { path: ['comment'], kind: 'string', maxLength: 2000 },
    ],
  },
  {
    path: '/api/v1/silences/preview',
    auth: 'admin',
    body: (index) => ({ matchers: [`host="fuzz-${index}"`] }),
    fields: [{ path: ['matchers'], kind: 'array' }, { path: ['matchers', 0], kind: 'string', maxLength: 2048 }],
  },
  {
    path: '/api/v1/maintenance',
    auth: 'admin',
    body: (index) => ({ cron: '0 2 * * 0', duration: '1h', host: `fuzz-${index}`, comment: 'fuzz' }),
    fields: [
      { path: ['cron'], kind: 'string', maxLength: 200 },
      { path: ['duration'], kind: 'string' },
      { path: ['host'], kind: 'string', maxLength: 253 },
      { path: ['comment'], kind: 'string', maxLength: 2000 },
    ],
  },
  {
    path: '/api/v1/incidents/999999/acknowledge',
    auth: 'admin',
    body: () => ({ comment: 'fuzz' }),
    fields: [{ path: ['comment'], kind: 'string', maxLength: 2000 }],
    // Its only field is optional: without it the body is valid.
    skip: ['missing-field'],
  },
  {
    path: '/api/v1/tokens',
    auth: 'admin',
    body: (index) => ({ name: `fuzz-${index}`, role: 'viewer' }),
    fields: [
      { path: ['name'], kind: 'string', maxLength: 64 },
      { path: ['role'], kind: 'string' },
    ],
  },
  {
    path: '/api/v1/intake/alertmanager',
    auth: 'admin',
    body: (index, options) => ({
      version: '4',
      status: 'firing',
      receiver: 'fuzz',
      alerts: [{ status: 'firing', labels: { alertname: 'FuzzAlert', host: `fuzz-am-${index}` }, startsAt: iso(options.nowMs) }],
    }),
    fields: [
      { path: ['version'], kind: 'string' },
      { path: ['status'], kind: 'string' },
      { path: ['alerts'], kind: 'array' },
      { path: ['alerts', 0, 'status'], kind: 'string' },
      { path: ['alerts', 0, 'labels'], kind: 'object' },
      { path: ['alerts', 0, 'labels', 'alertname'], kind: 'string', maxLength: 200 },
      { path: ['alerts', 0, 'labels', 'host'], kind: 'string', maxLength: 4096 },
      { path: ['alerts', 0, 'startsAt'], kind: 'string' },
    ],
    // Alertmanager's payload is open to fields of later versions.
    skip: ['unknown-field'],
  },
  {
    path: '/api/v1/session',
    body: () => ({ token: 'fuzz-not-a-token' }),
    fields: [{ path: ['token'], kind: 'string', maxLength: 512 }],
  },
];

/** The classes each route can be sent: a report's unknown fields are dropped by the versioning rule, so they are not bad there. */
function classesOf(route: Route): PayloadClass[] {
  const reportOnly: PayloadClass[] = ['far-timestamp', 'label-flood', 'bad-label', 'gzip-bomb', 'bad-gzip', 'bad-value'];
  return PAYLOAD_CLASSES.filter((c) => !route.skip?.includes(c) && (route.report ? c !== 'unknown-field' : !reportOnly.includes(c)));
}

/** Every value of another type than `kind`. */
function otherTypes(kind: Kind, pick: <T>(items: readonly T[]) => T): Json {
  const byKind: Record<Kind, Json[]> = {
    string: [42, -1, true, null, [], {}, ['x'], { x: 'y' }],
    number: ['1', '0.5', true, null, [], {}, [1], { value: 1 }],
    integer: ['1', 1.5, true, null, [], {}, [1]],
    object: ['x', 1, true, null, [], [['a', 'b']]],
    array: ['x', 1, true, null, {}, { 0: 'x' }],
  };
  return pick(byKind[kind]);
}

/** Sets the value at `path` (or deletes it, for undefined), in place. */
function setAt(body: Record<string, Json>, path: ReadonlyArray<string | number>, value: Json | undefined): void {
  let node = body as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}

/** Bytes that are not UTF-8: lone continuation, overlong, surrogate, beyond U+10FFFF, truncated sequences, 0xFF. */
const BAD_UTF8: readonly number[][] = [[0x80], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xfe, 0xfe]];
const WRONG_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=fuzz', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=utf-32le', 'application/xml', 'text/json', 'application/octet-stream', 'image/png', ''];
const HUGE_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '-9007199254740993', '1e309', '18446744073709551616', '-0.0000001', '1.5', '-1'];
const SHAPES = ['[]', '[1,2,3]', '"report"', '42', 'null', 'true', 'false', '[{}]', '""'];

export function* hostileRequests(count: number, options: HostileOptions): Generator<HostileRequest> {
  const random = seededRandom(options.seed);
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // The bombs are made once: each inflates far past the body limit from a few kilobytes on the wire.
  const bombs = [gzipSync(Buffer.alloc(options.maxBodyBytes * 40, 0x20), { level: 9 }), gzipSync(Buffer.concat([Buffer.from('{"schemaVersion":1,"agent":{"id":"'), Buffer.alloc(options.maxBodyBytes * 8, 0x61)]), { level: 9 })];

  for (let index = 0; index < count; index++) {
    const route = pick(ROUTES);
    const payloadClass = pick(classesOf(route));
    const body = route.body(index, options);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (route.auth === 'agent') headers.authorization = `Bearer ${options.agentToken}`;
    if (route.auth === 'enrollment') headers.authorization = `Bearer ${options.enrollmentToken}`;
    if (route.auth === 'admin') headers.authorization = `Bearer ${options.adminToken}`;
    let text: string | undefined;
    let bytes: Buffer | undefined;
    const field = () => pick(route.fields);
    const stringField = () => pick(route.fields.filter((f) => f.kind === 'string'));

    switch (payloadClass) {
      case 'truncated-json': {
        const whole = JSON.stringify(body);
        text = whole.slice(0, int(0, whole.length - 1));
        break;
      }
      case 'mistyped-field': {
        const f = field();
        setAt(body, f.path, otherTypes(f.kind, pick));
        break;
      }
      case 'missing-field': {
        // A required field of each route (a report's agent, sequence, observations; a route's first field).
        const required = route.report ? pick([['schemaVersion'], ['agent'], ['agent', 'id'], ['agent', 'hostname'], ['sequence'], ['observations'], ['observations', 0, 'value'], ['checks', 0, 'status']]) : [Object.keys(body)[0]!];
        setAt(body, required, undefined);
        break;
      }
      case 'huge-number': {
        const f = route.report ? pick(route.fields.filter((x) => x.kind === 'number' || x.kind === 'integer')) : field();
        setAt(body, f.path, '__HUGE__');
        text = JSON.stringify(body).replace('"__HUGE__"', pick(f.kind === 'number' ? HUGE_NUMBERS.slice(0, 2).concat('1e309', '-1e309') : HUGE_NUMBERS));
        break;
      }
      case 'far-timestamp': {
        const past = random() < 0.5;
        const atMs = past ? options.nowMs - options.maxAgeMs - int(60_000, 400 * 86_400_000) : options.nowMs + options.maxAheadMs + int(60_000, 400 * 86_400_000);
        const at = pick([iso(atMs), iso(atMs), '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z']);
        setAt(body, pick([['observations', 0, 'at'], ['observations', 1, 'at'], ['checks', 0, 'at']]), at);
        break;
      }
      case 'deep-nesting': {
        // Shallow enough for the parser (to reach validation), or far past the nesting limit (up to the body limit).
        const depth = random() < 0.3 ? int(2, 30) : int(33, options.maxBodyBytes);
        const nested = random() < 0.5 ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        if (random() < 0.25) text = nested;
        else {
          setAt(body, field().path, '__DEEP__');
          text = JSON.stringify(body).replace('"__DEEP__"', nested);
        }
        break;
      }
      case 'label-flood': {
        const labels: Record<string, Json> = {};
        for (let i = int(33, 3000); i > 0; i--) labels[`l${i}`] = 'x';
        setAt(body, pick([['agent', 'labels'], ['observations', 0, 'labels'], ['observations', 1, 'labels']]), labels);
        break;
      }
      case 'bad-label': {
        const name = pick(['', '1a', 'a-b', '__reserved', 'x'.repeat(129), 'é', 'a b', 'a.b', '\u001b[2J', 'host\u0000']);
        const value: Json = pick(['x'.repeat(int(1025, 60_000)), 12345, { x: [1, 2] }, null, true, ['x']]);
        const labels: Record<string, Json> = random() < 0.5 ? { [name]: 'x' } : { ok: value };
        setAt(body, pick([['agent', 'labels'], ['observations', 0, 'labels'], ['observations', 1, 'labels']]), labels);
        break;
      }
      case 'long-string': {
        const f = stringField();
        setAt(body, f.path, pick(['x', 'é', '\u001b', '\u0000']).repeat((f.maxLength ?? 100_000) + int(1, 60_000)));
        break;
      }
      case 'bad-utf8': {
        const marker = '__UTF8__';
        setAt(body, stringField().path, marker);
        const [before, after] = JSON.stringify(body).split(`"${marker}"`) as [string, string];
        bytes = Buffer.concat([Buffer.from(`${before}"ab`), Buffer.from(pick(BAD_UTF8)), Buffer.from(`cd"${after}`)]);
        break;
      }
      case 'gzip-bomb':
        headers['content-encoding'] = 'gzip';
        bytes = pick(bombs);
        break;
      case 'bad-gzip': {
        headers['content-encoding'] = pick(['gzip', 'gzip', 'br', 'deflate', 'compress', 'x-gzip-please', 'gzip, br']);
        const gz = gzipSync(JSON.stringify(body));
        const variant = pick(['truncated', 'flipped', 'plain', 'truncated-json'] as const);
        if (headers['content-encoding'] !== 'gzip' || variant === 'plain') bytes = Buffer.from(JSON.stringify(body));
        else if (variant === 'truncated') bytes = gz.subarray(0, int(1, gz.length - 9));
        else if (variant === 'flipped') {
          bytes = Buffer.from(gz);
          const at = int(10, bytes.length - 9);
          bytes[at] = bytes[at]! ^ 0xff;
          bytes.writeUInt32LE(0xdeadbeef, bytes.length - 8);
        } else {
          const whole = JSON.stringify(body);
          bytes = gzipSync(whole.slice(0, int(0, whole.length - 1)));
        }
        // A body that is plain JSON under a gzip header is not gzip either.
        if (headers['content-encoding'] === 'gzip' && variant === 'plain') bytes = Buffer.from(JSON.stringify(body));
        break;
      }
      case 'wrong-content-type': {
        const type = pick(WRONG_CONTENT_TYPES);
        if (type === '') delete headers['content-type'];
        else headers['content-type'] = type;
        break;
      }
      case 'oversized-body': {
        const whole = JSON.stringify(body);
        text = whole.slice(0, -1) + ' '.repeat(options.maxBodyBytes - whole.length + int(2, 64 * 1024)) + whole.slice(-1);
        break;
      }
      case 'prototype-key': {
        const key = pick(['__proto__', 'constructor']);
        const whole = JSON.stringify(body);
        const poison = key === '__proto__' ? '"__proto__":{"isAdmin":true,"role":"admin"},' : '"constructor":{"prototype":{"isAdmin":true}},';
        text = random() < 0.5 ? `{${poison}${whole.slice(1)}` : whole.replace(/\{"/, `{${poison}"`).replace(/("labels":\{)/, `$1${poison}`);
        break;
      }
      case 'wrong-shape':
        text = pick(SHAPES);
        break;
      case 'unknown-field':
        setAt(body, [pick(['by', 'createdBy', 'role', 'isAdmin', 'x'])], 'fuzz');
        break;
      case 'bad-value': {
        const [path, value] = pick<[Array<string | number>, Json]>([
          [['sequence'], -1],
          [['agent', 'intervalSeconds'], 0],
          [['agent', 'intervalSeconds'], 86_401],
          [['checks', 0, 'status'], 'bogus'],
          [['agent', 'addresses', 0], 'zz.not.an.ip'],
          [['agent', 'hostname'], 'web 1\u001b[31m'],
          [['agent', 'hostname'], ''],
          [['agent', 'id'], 'agent/../../etc'],
          [['observations', 0, 'metric'], 'memory-used'],
          [['observations', 0, 'at'], 'yesterday'],
          [['sentAt'], '2026-13-45T99:99:99Z'],
          [['checks', 0, 'durationSeconds'], -5],
        ]);
        setAt(body, path, value);
        break;
      }
      default: {
        const unreachable: never = payloadClass;
        throw new Error(`no generator for ${String(unreachable)}`);
      }
    }
    yield { index, payloadClass, route: route.path, headers, body: bytes ?? Buffer.from(text ?? JSON.stringify(body)) };
  }
}
