import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";

import type { BlobStore } from "./blob-store";
import { assertBlob, blobKey, normalizeBlobKey, verifyBlob } from "./content-key";
import { BlobIntegrityError, BlobNotFoundError, BlobStoreError } from "./errors";

/**
 * A blob store in a local directory, the embedded default.
 *
 * Layout: `<dir>/<first two hex digits of the key>/<key without 0x>`. Writes go to a temporary
 * file in the same directory, are flushed to disk, then renamed into place, so a reader never
 * sees a partial blob and a crash leaves at most a stray `.tmp` file. Nothing touches the disk
 * until the first call.
 */
export class LocalBlobStore implements BlobStore {
  readonly dir: string;

  /**
   * @param dir the store's root directory; created on first `put` if missing
   */
  constructor(dir: string) {
    if (typeof dir !== "string" || dir.length === 0) {
      throw new BlobStoreError("INVALID_CONFIG", "LocalBlobStore needs the path of a directory to keep blobs in.");
    }
    this.dir = path.resolve(dir);
  }

  /**
   * Stores a blob under its keccak256. If a blob with that key is already stored intact, nothing
   * is written; a damaged copy is replaced.
   * @param bytes the blob
   * @returns its key
   */
  async put(bytes: Uint8Array): Promise<string> {
    assertBlob(bytes);
    const key = blobKey(bytes);
    const file = this.pathFor(key);
    if (await this.isIntact(key)) return key;
    await this.io(`create the directory ${path.dirname(file)}`, () => mkdir(path.dirname(file), { recursive: true }));
    const temp = `${file}.${randomBytes(8).toString("hex")}.tmp`;
    try {
      await this.io(`write ${temp}`, async () => {
        const handle = await open(temp, "wx", 0o644);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
      await this.io(`rename ${temp} to ${file}`, () => rename(temp, file));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    return key;
  }

  /**
   * Reads a blob and verifies that it hashes to its key.
   * @param key the content hash
   * @returns the bytes
   * @throws BlobNotFoundError, BlobIntegrityError, BlobStoreError `INVALID_KEY` / `IO`
   */
  async get(key: string): Promise<Uint8Array> {
    const normalized = normalizeBlobKey(key);
    const file = this.pathFor(normalized);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if (isErrno(error, "ENOENT")) throw new BlobNotFoundError(normalized, this.dir);
      throw this.ioError(`read ${file}`, error);
    }
    verifyBlob(normalized, bytes, file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Whether a blob file exists under the key (its content is not verified).
   * @param key the content hash
   */
  async has(key: string): Promise<boolean> {
    const file = this.pathFor(normalizeBlobKey(key));
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (isErrno(error, "ENOENT")) return false;
      throw this.ioError(`stat ${file}`, error);
    }
  }

  /**
   * The file a key is stored in (whether or not it exists).
   * @param key the content hash
   * @returns an absolute path inside the store's directory
   */
  pathFor(key: string): string {
    const hex = normalizeBlobKey(key).slice(2);
    return path.join(this.dir, hex.slice(0, 2), hex);
  }

  private async isIntact(key: string): Promise<boolean> {
    try {
      await this.get(key);
      return true;
    } catch (error) {
      if (error instanceof BlobNotFoundError || error instanceof BlobIntegrityError) return false;
      throw error;
    }
  }

  private async io<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw this.ioError(what, error);
    }
  }

  private ioError(what: string, cause: unknown): BlobStoreError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new BlobStoreError(
      "IO",
      `Blob store could not ${what}: ${reason}. Check that the directory exists, is writable and has free space.`,
      { cause },
    );
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
