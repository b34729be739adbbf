/**
 * A config written for an earlier release names keys this one no longer reads: the loader says what
 * replaced each one, at its line, instead of a bare "unknown key" with a list of everything else.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';

function problemsOf(text: string): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-retired-')), 'config.yaml');
  writeFileSync(file, text);
  try {
    loadConfig(file, {});
  } catch (error) {
    if (error instanceof YamlValidationError) return error.message.split('\n').map((line) => line.replace(`${file}:`, ''));
    throw error;
  }
  return [];
}

describe('retired config keys', () => {
  it('points agent.excludeFsTypes and agent.excludeMounts at agent.filesystems, each at its own line', () => {
    const problems = problemsOf('agent:\n  interval: 15s\n  excludeFsTypes: [tmpfs]\n  excludeMounts: [/boot/efi]\n');
    expect(problems).toEqual([
      expect.stringMatching(/^3:3: agent\.excludeFsTypes: "excludeFsTypes" is no longer read: replaced by agent\.filesystems\.exclude\.fsTypes .*include\.fsTypes/),
      expect.stringMatching(/^4:3: agent\.excludeMounts: "excludeMounts" is no longer read: replaced by agent\.filesystems\.exclude\.mounts .*include\.mounts/),
    ]);
  });

  it('keeps the did-you-mean hint for a key that was never read', () => {
    expect(problemsOf('agent:\n  intervall: 15s\n')).toEqual(['2:3: agent.intervall: unknown key "intervall"; did you mean "interval"?']);
  });

  it('loads the replacement keys', () => {
    expect(problemsOf('agent:\n  filesystems:\n    exclude: { fsTypes: [nfs4], mounts: [/boot/efi] }\n    include: { fsTypes: [tmpfs] }\n')).toEqual([]);
  });
});
