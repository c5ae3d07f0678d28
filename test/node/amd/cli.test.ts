// The `npm run amd -- <file>` command: one JSON line and exit 0 on audio of
// any format, exit 1 with a reason on anything else.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, silence, speech, tone } from './signals.ts';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const cli = (file: string) => run(join(root, 'node_modules/.bin/tsx'), [join(root, 'media-node/src/amd/cli.ts'), file], { cwd: root }).then(
  (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
  (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
);

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crier-amd-cli-'));
  const raw = (name: string, pcm: Int16Array) => writeFileSync(join(dir, name), Buffer.from(pcm.buffer));
  raw('human.s16', concat(silence(400), speech(600), silence(4000)));
  raw('machine.s16', concat(silence(300), speech(6000), silence(400), tone(1000, 500), silence(2000)));
  // Through ffmpeg into real containers, so the CLI proves it decodes "any audio file".
  await run('ffmpeg', ['-loglevel', 'error', '-f', 's16le', '-ar', '8000', '-ac', '1', '-i', join(dir, 'human.s16'), '-ar', '44100', '-ac', '2', join(dir, 'human.mp3')]);
  await run('ffmpeg', ['-loglevel', 'error', '-f', 's16le', '-ar', '8000', '-ac', '1', '-i', join(dir, 'machine.s16'), '-ar', '16000', join(dir, 'machine.wav')]);
  writeFileSync(join(dir, 'not-audio.wav'), 'this is text, not audio');
});

describe('amd CLI', () => {
  it('prints exactly one JSON line for a human (mp3) and a machine (wav)', async () => {
    const human = await cli(join(dir, 'human.mp3'));
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(human.stdout)).toEqual({ answered_by: 'HUMAN', decision_ms: expect.any(Number) });
    const machine = await cli(join(dir, 'machine.wav'));
    expect(JSON.parse(machine.stdout)).toMatchObject({ answered_by: 'MACHINE' });
  });

  it('exits 1 with a clear message for a file that is not audio or does not exist', async () => {
    const bad = await cli(join(dir, 'not-audio.wav'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/amd: cannot decode .*not-audio\.wav/);
    const missing = await cli(join(dir, 'nope.wav'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/amd: cannot read .*nope\.wav/);
  });
});
