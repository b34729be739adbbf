/**
 * A real HTTP proxy for the agent's proxy tests: Debian's tinyproxy on loopback, with Basic
 * authentication and its log read back to see which requests went through it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

export const TINYPROXY = '/usr/bin/tinyproxy';

/** A running tinyproxy. */
export interface Tinyproxy {
  port: number;
  /** What it logged so far (one line per connection and request). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts tinyproxy in the foreground on 127.0.0.1:`port`, accepting `user`:`password` only. */
export async function startTinyproxy(dir: string, port: number, user: string, password: string): Promise<Tinyproxy> {
  const config = join(dir, 'tinyproxy.conf');
  const logFile = join(dir, 'tinyproxy.log');
  writeFileSync(config, [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 30', 'LogLevel Connect', `LogFile "${logFile}"`, 'MaxClients 20', 'Allow 127.0.0.1', 'DisableViaHeader Yes', `BasicAuth ${user} ${password}`, ''].join('\n'));
  const child: ChildProcess = spawn(TINYPROXY, ['-d', '-c', config], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`tinyproxy did not listen on ${port} (exit ${child.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
