/**
 * The per-report sample chunk holds any sample time: offsets within ±(2^31 - 1) ms of the base keep
 * the narrow 16-byte layout, anything further (an agent whose clock is months off, a time intake's
 * window would refuse today but a wider configured window might not) takes the wide layout, and both
 * decode to exactly what was encoded. Chunks are read back through the real SQLite store too.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, encodeReportChunk, MAX_NARROW_OFFSET_MS, SAMPLE_BYTES, WIDE_SAMPLE_BYTES } from '../../collector/store/sampleChunk.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';

const BASE = Date.UTC(2026, 0, 10, 12);
/** The earliest and latest times a Date holds, and the earliest an ISO timestamp of year 0000 parses to. */
const EARLIEST = -8.64e15;
const LATEST = 8.64e15;
const YEAR_ZERO = Date.parse('0000-01-01T00:00:00Z');

describe('sample chunk encoding', () => {
  // Each row: offsets from the base time, and the layout the encoder must choose.
  const rows: Array<[string, number[], 'narrow' | 'wide']> = [
    ['one sample at the base', [0], 'narrow'],
    ['the widest narrow offset ahead', [0, MAX_NARROW_OFFSET_MS], 'narrow'],
    ['the widest narrow offset behind', [-MAX_NARROW_OFFSET_MS, 0], 'narrow'],
    ['one millisecond past it ahead (2^31 ms, the old encoder threw here)', [0, MAX_NARROW_OFFSET_MS + 1], 'wide'],
    ['one millisecond past it behind (-2^31 ms, the value the wide marker uses)', [-MAX_NARROW_OFFSET_MS - 1, 0], 'wide'],
    ['30 days ahead', [0, 30 * 86_400_000], 'wide'],
    ['year 0000', [YEAR_ZERO - BASE, 0], 'wide'],
    ['the first and last times a Date holds', [EARLIEST - BASE, LATEST - BASE], 'wide'],
  ];
  it.each(rows)('%s', (_name, offsets, layout) => {
    const samples = offsets.map((offset, i) => ({ seriesId: 3 + i, atMs: BASE + offset, value: i === 0 ? -0.5 : 1e308 }));
    const chunk = encodeChunk(BASE, samples);
    expect(chunk.length).toBe(layout === 'narrow' ? samples.length * SAMPLE_BYTES : SAMPLE_BYTES + samples.length * WIDE_SAMPLE_BYTES);
    expect(decodeChunk(BASE, chunk)).toEqual(samples.map((s, index) => ({ ...s, index })));
    // Filtering by series keeps the position (which keys the sample's text).
    expect(decodeChunk(BASE, chunk, 4)).toEqual(samples.length > 1 ? [{ ...samples[1], index: 1 }] : []);
    expect(decodeChunk(BASE, chunk, new Set([3]))).toEqual([{ ...samples[0], index: 0 }]);
    // What ingest writes: the report's samples beside their ids, byte for byte the same chunk.
    const ids = Uint32Array.from(samples, (s) => s.seriesId);
    expect(encodeReportChunk(BASE, samples.map(({ atMs, value }) => ({ atMs, value })), ids).equals(chunk)).toBe(true);
  });

  it('reads a narrow chunk whose first series id is 0xFFFFFFFF as narrow (only the marker offset makes a chunk wide)', () => {
    const samples = [{ seriesId: 0xffffffff, atMs: BASE - MAX_NARROW_OFFSET_MS, value: 1 }, { seriesId: 1, atMs: BASE, value: 2 }];
    expect(decodeChunk(BASE, encodeChunk(BASE, samples))).toEqual(samples.map((s, index) => ({ ...s, index })));
  });

  it('refuses series ids that are not one per sample', () => {
    const samples = [{ atMs: BASE, value: 1 }, { atMs: BASE, value: 2 }];
    expect(() => encodeReportChunk(BASE, samples, [7])).toThrow('1 series ids for 2 samples');
    expect(() => encodeReportChunk(BASE, samples, [7, 8, 9])).toThrow('3 series ids for 2 samples');
  });

  it('refuses only a time that is not a number', () => {
    expect(() => encodeChunk(BASE, [{ seriesId: 1, atMs: Number.NaN, value: 1 }])).toThrow(/sample time NaN is not a time/);
    expect(encodeChunk(BASE, [])).toHaveLength(0);
  });
});

describe('a report with samples months apart in the SQLite store', () => {
  let store: Store | undefined;
  afterEach(() => store?.close());

  it('is stored and every sample reads back at its own time', () => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-chunk-')), 'tripline.db') });
    const far = BASE + 90 * 86_400_000;
    const stored = store.transaction((tx) =>
      tx.insertReport({
        agentId: 'skewed',
        hostname: 'skewed-host',
        sequence: 0,
        receivedAtMs: BASE,
        labels: {},
        version: 'test',
        intervalSeconds: 15,
        checks: [],
        samples: [
          { metric: 'memory_used_ratio', labels: { host: 'skewed-host' }, value: 0.25, atMs: BASE },
          { metric: 'memory_used_ratio', labels: { host: 'skewed-host' }, value: 0.75, atMs: far },
        ],
      }),
    );
    expect(stored).toBe(true);
    const read = [...store.iterateSamples(0, far + 1)].filter((s) => s.labels.host === 'skewed-host').map((s) => [s.atMs, s.value]);
    expect(read).toEqual([[BASE, 0.25], [far, 0.75]]);
  });
});
