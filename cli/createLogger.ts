/**
 * The pino logger of a Tripline process: structured JSON on stderr (stdout is for what the
 * commands print), with every field that could hold a secret redacted.
 */
import { destination, pino, type Logger, type LevelWithSilent } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'token',
  'secret',
  'password',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.agentTokens',
  'credential',
  '*.credential',
  '*.enrollmentToken',
  '*.enrollmentTokens',
  '*.adminTokens',
];

export function createLogger(level: LevelWithSilent, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination({ fd: 2, sync: false }));
}
