/**
 * The per-request logger is made only when a request logs, and then logs as pino's child would:
 * with the request id bound, at the parent's level, and its own children keep both bindings.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { lazyRequestLogger } from '../../collector/http/lazyRequestLogger.js';

function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

describe('lazyRequestLogger', () => {
  it('makes no child for a request that does not log', () => {
    const { log } = capture();
    const child = vi.spyOn(log, 'child');
    const requestLog = lazyRequestLogger(log, { reqId: 'req-1' }, {});
    expect(requestLog.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
  });

  it('logs with the request id bound, once, through one child', () => {
    const { log, lines } = capture();
    const child = vi.spyOn(log, 'child');
    const requestLog = lazyRequestLogger(log, { reqId: 'req-2' }, {});
    requestLog.info({ agentId: 'a-1' }, 'agent enrolled');
    requestLog.warn('second');
    requestLog.debug('below the level: dropped');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toMatchObject([
      { reqId: 'req-2', agentId: 'a-1', msg: 'agent enrolled', level: 30 },
      { reqId: 'req-2', msg: 'second', level: 40 },
    ]);
    expect(lines).toHaveLength(2);
  });

  it("honours the route's level and keeps the bindings in its own children", () => {
    const { log, lines } = capture('info');
    const requestLog = lazyRequestLogger(log, { reqId: 'req-3' }, { level: 'error' });
    expect(requestLog.level).toBe('error');
    requestLog.warn('dropped at the route level');
    requestLog.child({ step: 'x' }).error('kept');
    expect(lines).toMatchObject([{ reqId: 'req-3', step: 'x', msg: 'kept', level: 50 }]);
    expect(lines).toHaveLength(1);
  });
});
