import { expect } from "chai";
import { keccak256 } from "ethers";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  type BlobServer,
  type BlobStore,
  BlobIntegrityError,
  BlobNotFoundError,
  BlobStoreError,
  type BlobStoreErrorCode,
  BlobStoreRequestError,
  type FetchFunction,
  HttpBlobStore,
  LocalBlobStore,
  startBlobServer,
} from "../../src/store";

const bytesOf = (value: string): Uint8Array => new TextEncoder().encode(value);
const MISSING = keccak256(bytesOf("never stored"));

async function expectRejects<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
  code?: BlobStoreErrorCode,
): Promise<E> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${type.name}`).to.be.instanceOf(type);
  if (code !== undefined) expect((thrown as BlobStoreError).code).to.equal(code);
  return thrown as E;
}

/** Lists every file under a directory, recursively, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true });
  return found
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** A store that serves whatever bytes it is told to, whatever the key: a misbehaving server's backend. */
class TamperingStore implements BlobStore {
  constructor(private readonly inner: BlobStore) {}
  put(bytes: Uint8Array): Promise<string> {
    return this.inner.put(bytes);
  }
  async get(key: string): Promise<Uint8Array> {
    const bytes = Uint8Array.from(await this.inner.get(key));
    bytes[0] ^= 0xff;
    return bytes;
  }
  has(key: string): Promise<boolean> {
    return this.inner.has(key);
  }
}

describe("blob store", function () {
  let root: string;

  before(async function () {
    root = await mkdtemp(path.join(tmpdir(), "datacoop-store-"));
  });

  after(async function () {
    await rm(root, { recursive: true, force: true });
  });

  describe("LocalBlobStore", function () {
    let dir: string;
    let store: LocalBlobStore;

    beforeEach(async function () {
      dir = await mkdtemp(path.join(root, "local-"));
      store = new LocalBlobStore(dir);
    });

    it("stores a blob under its keccak256 and reads it back", async function () {
      const blob = bytesOf("ciphertext bytes");
      const key = await store.put(blob);
      expect(key).to.equal(keccak256(blob));
      expect(await store.has(key)).to.equal(true);
      expect(await store.get(key)).to.deep.equal(blob);
      expect(await store.get(key.toUpperCase().replace("0X", "0x"))).to.deep.equal(blob);
      expect(await store.has(MISSING)).to.equal(false);
    });

    it("is idempotent: a second put of the same bytes writes nothing and leaves no temp file", async function () {
      const blob = bytesOf("same bytes");
      const key = await store.put(blob);
      const before = await stat(store.pathFor(key));
      expect(await store.put(Uint8Array.from(blob))).to.equal(key);
      const after = await stat(store.pathFor(key));
      expect(after.ino).to.equal(before.ino);
      expect(after.mtimeMs).to.equal(before.mtimeMs);
      expect(await filesUnder(dir)).to.deep.equal([path.join(key.slice(2, 4), key.slice(2))]);
    });

    it("handles concurrent puts of the same and of different blobs", async function () {
      const blobs = [bytesOf("a"), bytesOf("b"), bytesOf("a"), bytesOf("c"), bytesOf("a")];
      const keys = await Promise.all(blobs.map((blob) => store.put(blob)));
      expect(new Set(keys).size).to.equal(3);
      expect(await filesUnder(dir)).to.have.length(3);
      for (const [index, key] of keys.entries()) expect(await store.get(key)).to.deep.equal(blobs[index]);
    });

    it("detects a file tampered with on disk, naming both hashes, and heals on the next put", async function () {
      const blob = bytesOf("original ciphertext");
      const key = await store.put(blob);
      const tampered = bytesOf("original ciphertexT");
      await writeFile(store.pathFor(key), tampered);
      const error = await expectRejects(store.get(key), BlobIntegrityError, "INTEGRITY");
      expect(error.expected).to.equal(key);
      expect(error.actual).to.equal(keccak256(tampered));
      expect(error.message).to.contain(key).and.to.contain(keccak256(tampered));
      await store.put(blob);
      expect(await store.get(key)).to.deep.equal(blob);
    });

    it("reports a missing blob as not found", async function () {
      const error = await expectRejects(store.get(MISSING), BlobNotFoundError, "NOT_FOUND");
      expect(error.message).to.contain(MISSING);
    });

    it("accepts only content hashes as keys, so no path can escape the directory", async function () {
      for (const key of ["../../etc/passwd", "0x1234", `${MISSING}/..`, `${MISSING.slice(0, 65)}g`]) {
        await expectRejects(store.get(key), BlobStoreError, "INVALID_KEY");
        await expectRejects(store.has(key), BlobStoreError, "INVALID_KEY");
      }
      await expectRejects(store.put("text" as unknown as Uint8Array), BlobStoreError, "INVALID_BLOB");
    });

    it("stores an empty blob", async function () {
      const key = await store.put(new Uint8Array(0));
      expect(await store.get(key)).to.deep.equal(new Uint8Array(0));
    });
  });

  describe("HttpBlobStore against the reference server", function () {
    let backing: LocalBlobStore;
    let server: BlobServer;
    let store: HttpBlobStore;

    beforeEach(async function () {
      backing = new LocalBlobStore(await mkdtemp(path.join(root, "http-")));
      server = await startBlobServer({ store: backing, host: "127.0.0.1", port: 0, maxBlobBytes: 1024 });
      store = new HttpBlobStore(`${server.url}/`, { timeoutMs: 5_000 });
    });

    afterEach(async function () {
      await server.close();
    });

    it("puts, gets and checks blobs over HTTP", async function () {
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const blob = bytesOf("over the wire");
      const key = await store.put(blob);
      expect(key).to.equal(keccak256(blob));
      expect(await backing.get(key)).to.deep.equal(blob);
      expect(await store.has(key)).to.equal(true);
      expect(await store.get(key)).to.deep.equal(blob);
      expect(await store.put(blob)).to.equal(key);
      expect(await store.has(MISSING)).to.equal(false);
    });

    it("maps 404 to BlobNotFoundError", async function () {
      await expectRejects(store.get(MISSING), BlobNotFoundError, "NOT_FOUND");
    });

    it("detects a server that returns tampered bytes", async function () {
      const tampering = await startBlobServer({ store: new TamperingStore(backing) });
      try {
        const key = await store.put(bytesOf("honest bytes"));
        const error = await expectRejects(new HttpBlobStore(tampering.url).get(key), BlobIntegrityError, "INTEGRITY");
        expect(error.expected).to.equal(key);
        expect(error.actual).to.not.equal(key);
      } finally {
        await tampering.close();
      }
    });

    it("server rejects a body that does not match its key, and oversized bodies", async function () {
      const mismatch = await fetch(`${server.url}/${MISSING}`, { method: "PUT", body: bytesOf("other bytes") });
      expect(mismatch.status).to.equal(400);
      expect(await mismatch.text()).to.contain(keccak256(bytesOf("other bytes")));
      expect(await backing.has(MISSING)).to.equal(false);

      const error = await expectRejects(store.put(new Uint8Array(2048)), BlobStoreRequestError, "REQUEST_FAILED");
      expect(error.status).to.equal(413);

      const post = await fetch(`${server.url}/${MISSING}`, { method: "POST" });
      expect(post.status).to.equal(405);
      const badPath = await fetch(`${server.url}/../etc/passwd`);
      expect(badPath.status).to.equal(404);
    });

    it("sends the configured headers and reports unexpected statuses without them", async function () {
      const seen: Headers[] = [];
      const denying: FetchFunction = async (_url, init) => {
        seen.push(new Headers(init.headers));
        return new Response("token expired", { status: 401 });
      };
      const secret = "Bearer s3cr3t";
      const guarded = new HttpBlobStore(server.url, { fetch: denying, headers: { authorization: secret } });
      const error = await expectRejects(guarded.get(MISSING), BlobStoreRequestError, "REQUEST_FAILED");
      expect(error.status).to.equal(401);
      expect(error.message).to.contain("token expired").and.to.contain("credentials").and.not.contain(secret);
      expect(seen[0].get("authorization")).to.equal(secret);
    });

    it("times out a request that does not complete", async function () {
      const hanging: FetchFunction = (_url, init) =>
        new Promise((_resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
      const slow = new HttpBlobStore(server.url, { fetch: hanging, timeoutMs: 50 });
      await expectRejects(slow.has(MISSING), BlobStoreRequestError, "TIMEOUT");
    });

    it("reports an unreachable server and rejects an invalid base URL", async function () {
      const url = server.url;
      await server.close();
      await expectRejects(new HttpBlobStore(url).has(MISSING), BlobStoreRequestError, "REQUEST_FAILED");
      server = await startBlobServer({ store: backing });
      expect(() => new HttpBlobStore("ftp://example.org")).to.throw(BlobStoreError, /http: or https:/);
      expect(() => new HttpBlobStore("not a url")).to.throw(BlobStoreError, /not a valid URL/);
      expect(() => new HttpBlobStore(url, { timeoutMs: 0 })).to.throw(BlobStoreError, /timeoutMs/);
    });
  });
});
