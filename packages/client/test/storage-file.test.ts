import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors/index.js';
import { FileTokenStorage } from '../src/storage/index.js';
import { startProgram } from './support/programs.js';
import { storedTokens } from './support/stored-tokens.js';

const tokens = (at: string) =>
  storedTokens({ accessToken: at, refreshToken: `rt-${at}`, expiresAt: Date.now() + 3_600_000 });

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-file-storage-'));
  path = join(dir, 'tokens.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileTokenStorage', () => {
  it('round-trips plain JSON with mode 0600', async () => {
    const s = new FileTokenStorage({ path });
    expect(await s.get('a')).toBeUndefined();
    await s.store('a', tokens('one'));
    await s.store('b', tokens('two'));
    expect((await s.get('a'))?.accessToken).toBe('one');
    expect((await s.listKeys()).sort()).toEqual(['a', 'b']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await s.delete('a');
    expect(await s.exists('a')).toBe(false);
    expect(await new FileTokenStorage({ path }).exists('b')).toBe(true);
    await s.clear();
    expect(await s.listKeys()).toEqual([]);
  });

  it('encrypts: the ciphertext contains no token and each write uses a fresh IV', async () => {
    const key = randomBytes(32);
    const s = new FileTokenStorage({ path, encryptionKey: key });
    await s.store('a', tokens('secret-access-token-value'));
    const first = await readFile(path, 'utf8');
    expect(first).not.toContain('secret-access-token-value');
    expect(first).not.toContain('rt-secret');
    expect(first).not.toContain('"a"');
    await s.store('a', tokens('secret-access-token-value'));
    const second = await readFile(path, 'utf8');
    expect(JSON.parse(second).iv).not.toBe(JSON.parse(first).iv);
    expect((await new FileTokenStorage({ path, encryptionKey: key }).get('a'))?.accessToken).toBe(
      'secret-access-token-value',
    );
  });

  it('wrong key, tampering, garbage or missing key → storage_corrupted, file untouched', async () => {
    const key = randomBytes(32);
    await new FileTokenStorage({ path, encryptionKey: key }).store('a', tokens('x'));
    const original = await readFile(path, 'utf8');

    const wrong = new FileTokenStorage({ path, encryptionKey: randomBytes(32) });
    await expect(wrong.get('a')).rejects.toMatchObject({ name: 'StorageError', code: 'storage_corrupted' });
    await expect(wrong.store('b', tokens('y'))).rejects.toBeInstanceOf(StorageError);
    expect(await readFile(path, 'utf8')).toBe(original);

    await expect(new FileTokenStorage({ path }).get('a')).rejects.toMatchObject({
      code: 'storage_corrupted',
    });

    const env = JSON.parse(original);
    const data = Buffer.from(env.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    await writeFile(path, JSON.stringify({ ...env, data: data.toString('base64') }));
    await expect(new FileTokenStorage({ path, encryptionKey: key }).get('a')).rejects.toMatchObject({
      code: 'storage_corrupted',
    });

    await writeFile(path, '{"a": {"accessToken": 1}}');
    await expect(new FileTokenStorage({ path }).get('a')).rejects.toMatchObject({
      code: 'storage_corrupted',
    });
    await writeFile(path, '{"a": {trunc');
    await expect(new FileTokenStorage({ path }).listKeys()).rejects.toMatchObject({
      code: 'storage_corrupted',
    });
    expect(() => new FileTokenStorage({ path, encryptionKey: randomBytes(16) })).toThrow(RangeError);
  });

  it('serialises concurrent writes: none is lost', async () => {
    const s = new FileTokenStorage({ path, encryptionKey: randomBytes(32) });
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.store(`k${i}`, tokens(`t${i}`))));
    expect((await s.listKeys()).length).toBe(100);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('serialises writes across instances sharing a path in one process', async () => {
    const a = new FileTokenStorage({ path });
    const b = new FileTokenStorage({ path: join(dir, '.', 'tokens.json') });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).store(`k${i}`, tokens(`t${i}`))));
    expect((await a.listKeys()).length).toBe(40);
  });

  it('a stray temp file from a crash before rename does not affect the real file', async () => {
    const s = new FileTokenStorage({ path });
    await s.store('a', tokens('old'));
    await writeFile(join(dir, '.tokens.json.deadbeef.tmp'), '{"a": {"accessToken": "half-writ');
    expect((await s.get('a'))?.accessToken).toBe('old');
    await s.store('b', tokens('new'));
    expect((await s.get('a'))?.accessToken).toBe('old');
  });

  it('a process SIGKILLed while writing in a loop leaves a readable file', async () => {
    const keyHex = randomBytes(32).toString('hex');
    const s = new FileTokenStorage({ path, encryptionKey: Buffer.from(keyHex, 'hex') });
    await s.store('initial', tokens('initial'));
    for (let round = 0; round < 3; round++) {
      const writer = startProgram('file-writer.ts', [path, keyHex]);
      await writer.printed('ready');
      await sleep(150 + Math.random() * 200);
      writer.child.kill('SIGKILL');
      await writer.exited;
      const keys = await s.listKeys();
      expect(keys).toContain('initial');
      expect((await s.get('initial'))?.accessToken).toBe('initial');
    }
  });
});
