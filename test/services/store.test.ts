import { expect } from "chai";
import { keccak256 } from "ethers";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { type StoreService, startStoreService, storeServiceOptionsFromEnv } from "../../services/store/service";
import {
  BlobStoreError,
  BlobStoreRequestError,
  type FetchFunction,
  HttpBlobStore,
  LocalBlobStore,
} from "../../src/store";

const TOKEN = "test-write-token-0123456789abcdef";
const bytesOf = (value: string): Uint8Array => new TextEncoder().encode(value);

async function failure<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${type.name}`).to.be.instanceOf(type);
  return error as E;
}

describe("services/store: the blob store service", function () {
  let dir: string;
  let service: StoreService;
  let logs: string[];

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "datacoop-store-service-"));
    logs = [];
    service = await startStoreService({ dir, token: TOKEN, port: 0, maxBlobBytes: 1024, log: (l) => logs.push(l) });
  });

  afterEach(async function () {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  const put = (key: string, body: Uint8Array, token?: string) =>
    fetch(`${service.url}/${key}`, {
      method: "PUT",
      body,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it("answers /health, and reads are open while writes need the token", async function () {
    const health = await fetch(`${service.url}/health`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ ok: true });

    const blob = bytesOf("sealed bytes");
    const key = keccak256(blob);
    const anonymous = await put(key, blob);
    expect(anonymous.status).to.equal(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).to.contain("Bearer");
    expect((await put(key, blob, "another-token-0123456789")).status).to.equal(403);
    expect(await new LocalBlobStore(dir).has(key), "nothing stored without the token").to.equal(false);

    const writer = new HttpBlobStore(service.url, { token: TOKEN });
    expect(await writer.put(blob)).to.equal(key);
    const reader = new HttpBlobStore(service.url);
    expect(await reader.get(key)).to.deep.equal(blob);
    expect(await reader.has(key)).to.equal(true);
    const refused = await failure(reader.put(bytesOf("no token")), BlobStoreRequestError);
    expect(refused.status).to.equal(401);
    expect(refused.message).to.contain("write token");
  });

  it("refuses a body that is not the key's content (400) and one above the limit (413), with JSON errors", async function () {
    const wrong = await put(keccak256(bytesOf("what the key says")), bytesOf("other bytes"), TOKEN);
    expect(wrong.status).to.equal(400);
    const body = (await wrong.json()) as { error: { status: number; message: string } };
    expect(body.error.status).to.equal(400);
    expect(body.error.message)
      .to.contain("does not match its key")
      .and.contain(keccak256(bytesOf("other bytes")));

    const big = new Uint8Array(2048);
    expect((await put(keccak256(big), big, TOKEN)).status).to.equal(413);
    expect(await new LocalBlobStore(dir).has(keccak256(big))).to.equal(false);
  });

  it("logs one JSON line per request, never the token", async function () {
    await put(keccak256(bytesOf("x")), bytesOf("x"), TOKEN);
    const entries = logs.map((line) => JSON.parse(line) as { event: string; status?: number; service: string });
    expect(entries[0]).to.include({ event: "listening", service: "store" });
    expect(entries.some((e) => e.event === "request" && e.status === 201)).to.equal(true);
    expect(logs.join("\n")).not.to.contain(TOKEN);
  });

  it("needs a token in its configuration", async function () {
    expect(() => storeServiceOptionsFromEnv({})).to.throw(BlobStoreError, "DATACOOP_STORE_TOKEN");
    const options = storeServiceOptionsFromEnv({ DATACOOP_STORE_TOKEN: TOKEN, DATACOOP_STORE_MAX_BYTES: "10" });
    expect(options).to.include({ token: TOKEN, maxBlobBytes: 10, port: 8787, host: "127.0.0.1" });
    await failure(startStoreService({ dir, token: "short" }), BlobStoreError);
  });

  it("members' browsers upload without the token: small blobs, rate-limited, from the app's origin (CORS)", async function () {
    await service.close();
    const app = "http://127.0.0.1:4173";
    service = await startStoreService({
      dir,
      token: TOKEN,
      maxBlobBytes: 1024,
      publicWrites: { maxBlobBytes: 100, rate: { capacity: 3, refillPerSecond: 0.001 } },
      allowedOrigins: [app],
      log: () => undefined,
    });
    const preflight = (origin: string) =>
      fetch(`${service.url}/${keccak256(bytesOf("x"))}`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
      });
    const allowed = await preflight(app);
    expect(allowed.status).to.equal(204);
    expect(allowed.headers.get("access-control-allow-origin")).to.equal(app);
    expect(allowed.headers.get("access-control-allow-methods")).to.contain("PUT");
    const other = await preflight("https://elsewhere.example");
    expect(other.status).to.equal(403);
    expect(other.headers.get("access-control-allow-origin")).to.equal(null);

    const small = bytesOf("a member's ciphertext");
    const anonymous = await fetch(`${service.url}/${keccak256(small)}`, {
      method: "PUT",
      body: small,
      headers: { origin: app },
    });
    expect(anonymous.status).to.equal(201);
    expect(anonymous.headers.get("access-control-allow-origin")).to.equal(app);
    expect(await new LocalBlobStore(dir).has(keccak256(small))).to.equal(true);
    const read = await fetch(`${service.url}/${keccak256(small)}`, { headers: { origin: app } });
    expect(read.headers.get("access-control-allow-origin")).to.equal(app);

    // Above the public limit: only with the token. A wrong token is refused even where no token would do.
    const big = new Uint8Array(200).fill(7);
    expect((await put(keccak256(big), big)).status).to.equal(413);
    expect((await put(keccak256(big), big, TOKEN)).status).to.equal(201);
    expect((await put(keccak256(small), small, "another-token-0123456789")).status).to.equal(403);
    // The burst of 3 anonymous writes is spent (201, 413 and this one): the next waits.
    expect((await put(keccak256(bytesOf("3")), bytesOf("3"))).status).to.equal(201);
    const limited = await put(keccak256(bytesOf("4")), bytesOf("4"));
    expect(limited.status).to.equal(429);
    expect(limited.headers.get("retry-after")).to.match(/^\d+$/);

    const env = { DATACOOP_STORE_TOKEN: TOKEN, DATACOOP_STORE_PUBLIC_MAX_BYTES: "4096" };
    expect(storeServiceOptionsFromEnv({ ...env, DATACOOP_STORE_ALLOWED_ORIGINS: `${app}, *` })).to.deep.include({
      publicWrites: { maxBlobBytes: 4096 },
      allowedOrigins: [app, "*"],
    });
    expect(() => storeServiceOptionsFromEnv({ ...env, DATACOOP_STORE_ALLOWED_ORIGINS: `${app}/` })).to.throw(
      BlobStoreError,
      "scheme://host",
    );
  });

  it("store down: the client retries with backoff, then names the URL", async function () {
    const url = service.url;
    await service.close();
    let attempts = 0;
    const counting: FetchFunction = (target, init) => {
      attempts++;
      return fetch(target, init);
    };
    const store = new HttpBlobStore(url, { token: TOKEN, fetch: counting, retries: 2, retryDelayMs: 5 });
    const error = await failure(store.put(bytesOf("lost")), BlobStoreRequestError);
    expect(attempts).to.equal(3);
    expect(error.code).to.equal("REQUEST_FAILED");
    expect(error.message).to.contain(`${url} is down or unreachable`).and.contain("after 3 attempt(s)");
    expect(error.message).not.to.contain(TOKEN);
    service = await startStoreService({ dir, token: TOKEN, log: () => undefined });
  });
});
