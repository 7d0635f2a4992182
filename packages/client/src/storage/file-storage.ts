import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StorageError } from '../errors/index.js';
import type { StoredTokens } from '../token/records.js';
import { decrypt, encrypt, isEnvelope } from './file-crypto.js';
import type { TokenStorage } from './token-storage.js';
import { isStoredTokens } from './validate.js';

/** Options of {@link FileTokenStorage}. */
export interface FileTokenStorageOptions {
  /** Path of the JSON file holding every key's tokens. */
  path: string;
  /** 32-byte key: when set, the file is encrypted with AES-256-GCM (fresh 12-byte IV per write). */
  encryptionKey?: Uint8Array;
}

type FileContent = Record<string, StoredTokens>;

/** One write queue per file, shared by every instance in this process that uses the same path. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Token storage in one JSON file, optionally encrypted with AES-256-GCM.
 *
 * Writes are atomic (temp file with mode 0600, fsync, rename) and serialised within the process, so a
 * crash mid-write leaves the previous file intact. A corrupted or wrongly keyed file makes every call
 * reject with `StorageError` code `storage_corrupted`; the file is never overwritten in that case.
 * Not safe for several processes writing the same file: use Redis storage for that.
 */
export class FileTokenStorage implements TokenStorage {
  readonly #path: string;
  readonly #key: Buffer | undefined;

  constructor(options: FileTokenStorageOptions) {
    this.#path = resolve(options.path);
    if (options.encryptionKey !== undefined) {
      if (options.encryptionKey.length !== 32) {
        throw new RangeError('encryptionKey must be exactly 32 bytes (AES-256)');
      }
      this.#key = Buffer.from(options.encryptionKey);
    }
  }

  async store(key: string, tokens: StoredTokens): Promise<void> {
    await this.#mutate((content) => {
      content[key] = tokens;
      return true;
    });
  }

  async get(key: string): Promise<StoredTokens | undefined> {
    await this.#idle();
    const content = await this.#read();
    return Object.hasOwn(content, key) ? content[key] : undefined;
  }

  async delete(key: string): Promise<void> {
    await this.#mutate((content) => {
      if (!Object.hasOwn(content, key)) return false;
      delete content[key];
      return true;
    });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async listKeys(): Promise<string[]> {
    await this.#idle();
    return Object.keys(await this.#read());
  }

  async clear(): Promise<void> {
    await this.#mutate((content) => {
      for (const k of Object.keys(content)) delete content[k];
      return true;
    });
  }

  /** Runs read-modify-write operations one at a time. */
  #mutate(change: (content: FileContent) => boolean): Promise<void> {
    const run = this.#idle().then(async () => {
      const content = await this.#read();
      if (change(content)) await this.#write(content);
    });
    const settled = run.catch(() => undefined);
    queues.set(this.#path, settled);
    void settled.then(() => {
      if (queues.get(this.#path) === settled) queues.delete(this.#path);
    });
    return run;
  }

  /** Resolves once every queued write to this file has settled. */
  async #idle(): Promise<void> {
    await queues.get(this.#path);
  }

  async #read(): Promise<FileContent> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new StorageError('token file could not be read', { code: 'storage_error', cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new StorageError('token file is not valid JSON', { code: 'storage_corrupted', cause });
    }
    if (this.#key !== undefined) {
      const plain = decrypt(this.#key, parsed);
      try {
        parsed = JSON.parse(plain);
      } catch (cause) {
        throw new StorageError('decrypted token file is not valid JSON', {
          code: 'storage_corrupted',
          cause,
        });
      }
    } else if (isEnvelope(parsed)) {
      throw new StorageError('token file is encrypted but no encryptionKey is configured', {
        code: 'storage_corrupted',
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new StorageError('token file has an unexpected shape', { code: 'storage_corrupted' });
    }
    const content = Object.assign(Object.create(null) as FileContent, parsed);
    for (const value of Object.values(content)) {
      if (!isStoredTokens(value)) {
        throw new StorageError('token file holds an invalid entry', { code: 'storage_corrupted' });
      }
    }
    return content;
  }

  async #write(content: FileContent): Promise<void> {
    const json = JSON.stringify(content);
    const text = this.#key === undefined ? json : JSON.stringify(encrypt(this.#key, json));
    const dir = dirname(this.#path);
    const tmp = join(dir, `.${basename(this.#path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.#path);
    } catch (cause) {
      await unlink(tmp).catch(() => undefined);
      throw new StorageError('token file could not be written', { code: 'storage_error', cause });
    }
  }
}
