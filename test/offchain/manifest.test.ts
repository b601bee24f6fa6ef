import { expect } from "chai";
import { keccak256 } from "ethers";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  EnvelopeError,
  type KeyPair,
  type SealRecipients,
  type SealedContribution,
  generateKeyPair,
  sealContribution,
} from "../../src/crypto";
import {
  type CustodianEntry,
  type DeliveredManifest,
  type KeyManifest,
  ManifestError,
  type ManifestErrorCode,
  type ManifestInput,
  type OpenedContribution,
  buildManifest,
  eligibleSetHash,
  manifestHash,
  openManifest,
  openManifests,
  parseManifest,
  rewrapForBuyer,
  serializeManifest,
} from "../../src/manifest";
import { type BlobStore, BlobIntegrityError, LocalBlobStore } from "../../src/store";

const ESCROW = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const encode = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail("expected a rejection");
}

function expectManifestError(error: unknown, code: ManifestErrorCode, message?: RegExp): ManifestError {
  expect(error, `expected ManifestError ${code}`).to.be.instanceOf(ManifestError);
  const manifestError = error as ManifestError;
  expect(manifestError.code).to.equal(code);
  if (message) expect(manifestError.message).to.match(message);
  return manifestError;
}

function parseError(bytes: Uint8Array | string, code: ManifestErrorCode, message?: RegExp): ManifestError {
  let thrown: unknown;
  try {
    parseManifest(typeof bytes === "string" ? encode(bytes) : bytes);
  } catch (error) {
    thrown = error;
  }
  return expectManifestError(thrown, code, message);
}

/** What a custodian takes from a sealed contribution: its share (the `i`-th) and the shared key facts. */
function shareOf(sealed: SealedContribution, i = 0): CustodianEntry {
  return {
    contentHash: sealed.contentHash,
    keyCommitment: sealed.keyCommitment,
    custodianSetVersion: sealed.custody.setVersion,
    threshold: sealed.custody.threshold,
    shareIndex: sealed.custody.shares[i].index,
    custodianWrappedShare: sealed.custody.shares[i].wrappedShare,
  };
}

/** A set of one custodian, as today's escrow has. */
const setOfOne = (custodian: KeyPair, contributor: KeyPair): SealRecipients => ({
  custodians: { version: 1, threshold: 1, publicKeys: [custodian.publicKey] },
  contributorPublicKey: contributor.publicKey,
});

async function collect(opened: AsyncIterable<OpenedContribution>): Promise<OpenedContribution[]> {
  const all: OpenedContribution[] = [];
  for await (const contribution of opened) all.push(contribution);
  return all;
}

/** A store that answers every key with the same other blob, and checks nothing. */
class SubstitutingStore implements BlobStore {
  constructor(private readonly substitute: Uint8Array) {}
  async put(bytes: Uint8Array): Promise<string> {
    return keccak256(bytes);
  }
  async get(): Promise<Uint8Array> {
    return this.substitute;
  }
  async has(): Promise<boolean> {
    return true;
  }
}

describe("key manifest", function () {
  let custodian: KeyPair;
  let contributor: KeyPair;
  let buyer: KeyPair;
  let dir: string;
  let store: LocalBlobStore;
  const plaintexts = new Map<string, string>();
  let custodianEntries: CustodianEntry[];
  let input: ManifestInput;
  let bytes: Uint8Array;
  let hash: string;

  before(async function () {
    custodian = generateKeyPair();
    contributor = generateKeyPair();
    buyer = generateKeyPair();
    dir = await mkdtemp(path.join(tmpdir(), "datacoop-manifest-"));
    store = new LocalBlobStore(dir);
    custodianEntries = [];
    for (const text of ["first export", "second export", "third export"]) {
      const sealed = await sealContribution(encode(text), setOfOne(custodian, contributor));
      await store.put(sealed.ciphertext);
      plaintexts.set(sealed.contentHash, text);
      custodianEntries.push(shareOf(sealed));
    }
    input = {
      chainId: 31337n,
      escrow: ESCROW.toLowerCase(),
      requestId: 7n,
      purpose: 2,
      buyerPublicKey: buyer.publicKey,
      custodianPublicKey: custodian.publicKey,
      eligibleSetHash: eligibleSetHash([...plaintexts.keys()]),
      entries: rewrapForBuyer(custodianEntries, custodian.privateKey, buyer.publicKey),
    };
    bytes = serializeManifest(buildManifest(input));
    hash = manifestHash(bytes);
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  describe("build and serialize", function () {
    it("builds a canonical manifest with sorted entries", function () {
      const manifest = buildManifest(input);
      expect(manifest).to.include({ version: 3, chainId: 31337, escrow: ESCROW, requestId: "7", purpose: 2 });
      expect(manifest.buyerPublicKey).to.equal(buyer.publicKey);
      expect(manifest.custodianPublicKey).to.equal(custodian.publicKey);
      expect(manifest.entries[0]).to.include({ custodianSetVersion: 1, threshold: 1, shareIndex: 1 });
      const hashes = manifest.entries.map((entry) => entry.contentHash);
      expect(hashes).to.deep.equal([...plaintexts.keys()].sort());
    });

    it("serializes deterministically, whatever the entry order and input forms", function () {
      const reordered = buildManifest({
        ...input,
        chainId: 31337,
        escrow: ESCROW,
        requestId: "7",
        entries: [...input.entries]
          .reverse()
          .map((entry) => ({ ...entry, contentHash: entry.contentHash.toUpperCase().replace("0X", "0x") })),
      });
      expect(serializeManifest(reordered)).to.deep.equal(bytes);
      expect(serializeManifest(parseManifest(bytes))).to.deep.equal(bytes);
      expect(decode(bytes)).to.match(
        /^\{"version":3,"chainId":31337,"escrow":"0x5FbDB2315678afecb367f032d93F642f64180aa3","requestId":"7","purpose":2,"buyerPublicKey":"0x0[23][0-9a-f]{64}","custodianPublicKey":"0x0[23][0-9a-f]{64}","eligibleSetHash":"0x[0-9a-f]{64}","entries":\[\{"contentHash":"0x[0-9a-f]{64}","keyCommitment":"0x[0-9a-f]{64}","custodianSetVersion":1,"threshold":1,"shareIndex":1,"wrappedShare":"0x01[0-9a-f]{258}"\},/,
      );
    });

    it("hashes the serialized bytes with keccak256", function () {
      expect(hash).to.equal(keccak256(bytes));
      expect(hash).to.match(/^0x[0-9a-f]{64}$/);
      const other = serializeManifest(buildManifest({ ...input, requestId: 8n }));
      expect(manifestHash(other)).to.not.equal(hash);
    });

    it("rejects invalid input naming the field", function () {
      const cases: [Partial<ManifestInput>, string][] = [
        [{ chainId: 0 }, "chainId"],
        [{ escrow: "0x5fbdb2315678afecb367f032d93F642f64180aa3" }, "escrow"],
        [{ requestId: -1n }, "requestId"],
        [{ requestId: "07" }, "requestId"],
        [{ purpose: 16 }, "purpose"],
        [{ buyerPublicKey: "0x1234" }, "buyerPublicKey"],
        [{ custodianPublicKey: "0x1234" }, "custodianPublicKey"],
        [{ entries: [{ ...input.entries[0], contentHash: "0x1234" }] }, "entries[0].contentHash"],
        [{ entries: [{ ...input.entries[0], wrappedShare: "0x01" }] }, "entries[0].wrappedShare"],
        [{ entries: [{ ...input.entries[0], keyCommitment: "0x01" }] }, "entries[0].keyCommitment"],
        [{ entries: [{ ...input.entries[0], threshold: 0 }] }, "entries[0].threshold"],
        [{ entries: [{ ...input.entries[0], shareIndex: 256 }] }, "entries[0].shareIndex"],
      ];
      for (const [change, field] of cases) {
        let thrown: unknown;
        try {
          buildManifest({ ...input, ...change });
        } catch (error) {
          thrown = error;
        }
        expect(expectManifestError(thrown, "INVALID_FIELD").field, field).to.equal(field);
      }
      let duplicate: unknown;
      try {
        buildManifest({ ...input, entries: [input.entries[0], input.entries[0]] });
      } catch (error) {
        duplicate = error;
      }
      expectManifestError(duplicate, "DUPLICATE_ENTRY", new RegExp(input.entries[0].contentHash));
    });
  });

  describe("strict parsing", function () {
    const edit = (change: (document: Record<string, unknown>) => void): string => {
      const document = JSON.parse(decode(bytes)) as Record<string, unknown>;
      change(document);
      return JSON.stringify(document);
    };
    const entriesOf = (document: Record<string, unknown>): Record<string, unknown>[] =>
      document.entries as Record<string, unknown>[];

    it("parses what it serialized", function () {
      const manifest: KeyManifest = parseManifest(bytes);
      expect(manifest.entries).to.have.length(3);
      expect(manifest.requestId).to.equal("7");
    });

    it("rejects bytes that are not UTF-8 JSON", function () {
      parseError(Uint8Array.of(0x7b, 0xff, 0x7d), "INVALID_ENCODING");
      parseError(decode(bytes).slice(0, -1), "INVALID_JSON", /truncated/);
      parseError("[]", "INVALID_FIELD", /JSON object/);
    });

    it("rejects unknown, missing and mistyped fields", function () {
      parseError(
        edit((d) => (d.extra = 1)),
        "UNKNOWN_FIELD",
        /"extra"/,
      );
      parseError(
        edit((d) => delete d.escrow),
        "MISSING_FIELD",
        /"escrow"/,
      );
      parseError(
        edit((d) => (entriesOf(d)[1].note = "x")),
        "UNKNOWN_FIELD",
        /entries\[1\]/,
      );
      parseError(
        edit((d) => delete entriesOf(d)[0].wrappedShare),
        "MISSING_FIELD",
      );
      parseError(
        edit((d) => (d.version = 1)),
        "UNSUPPORTED_VERSION",
        /version 1/,
      );
      parseError(
        edit((d) => (d.requestId = 7)),
        "INVALID_FIELD",
        /requestId/,
      );
      parseError(
        edit((d) => (d.chainId = "31337")),
        "INVALID_FIELD",
        /chainId/,
      );
      parseError(
        edit((d) => (d.purpose = 1.5)),
        "INVALID_FIELD",
        /purpose/,
      );
      parseError(
        edit((d) => (d.escrow = "0x1234")),
        "INVALID_FIELD",
        /escrow/,
      );
      parseError(
        edit((d) => (entriesOf(d)[2].contentHash = "0xzz")),
        "INVALID_FIELD",
        /entries\[2\]\.contentHash/,
      );
      parseError(
        edit((d) => (entriesOf(d)[0].wrappedShare = (entriesOf(d)[0].wrappedShare as string).slice(0, -2))),
        "INVALID_FIELD",
        /130 bytes/,
      );
    });

    it("rejects unsorted or duplicated entries", function () {
      parseError(
        edit((d) => entriesOf(d).reverse()),
        "UNSORTED_ENTRIES",
      );
      parseError(
        edit((d) => (d.entries = [entriesOf(d)[0], entriesOf(d)[0]])),
        "DUPLICATE_ENTRY",
      );
    });

    it("rejects a valid manifest that is not in canonical form", function () {
      const text = decode(bytes);
      parseError(text + "\n", "NOT_CANONICAL");
      parseError(JSON.stringify(JSON.parse(text), null, 2), "NOT_CANONICAL");
      parseError(text.replace(ESCROW, ESCROW.toLowerCase()), "NOT_CANONICAL");
      parseError(text.replace(buyer.publicKey, buyer.publicKey.toUpperCase().replace("0X", "0x")), "NOT_CANONICAL");
      parseError(text.replace('{"version":3,', '{"version":3,"version":3,'), "NOT_CANONICAL");
    });
  });

  describe("open as the buyer", function () {
    it("fetches, verifies and decrypts every contribution", async function () {
      const opened = await openManifest(bytes, hash, buyer.privateKey, store, {
        expect: { chainId: 31337, escrow: ESCROW, requestId: 7n, purpose: 2 },
      });
      expect(opened.manifest.entries).to.have.length(3);
      const contributions = await collect(opened);
      expect(contributions.map((c) => [c.contentHash, decode(c.plaintext)])).to.deep.equal(
        [...plaintexts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      );
      expect(await collect(opened)).to.have.length(3);
    });

    it("rejects a manifest that does not match the hash posted on-chain", async function () {
      const altered = serializeManifest(buildManifest({ ...input, purpose: 3 }));
      const error = await rejection(openManifest(altered, hash, buyer.privateKey, store));
      expectManifestError(error, "HASH_MISMATCH", new RegExp(manifestHash(altered)));
    });

    it("rejects a manifest for another grant", async function () {
      const error = await rejection(openManifest(bytes, hash, buyer.privateKey, store, { expect: { requestId: 8 } }));
      expectManifestError(error, "CONTEXT_MISMATCH", /requestId is 7, expected 8/);
    });

    it("rejects the wrong buyer key before fetching anything", async function () {
      const stranger = generateKeyPair();
      const error = await rejection(openManifest(bytes, hash, stranger.privateKey, store));
      expectManifestError(error, "WRONG_BUYER_KEY", new RegExp(stranger.publicKey));
    });

    it("fails on entries wrapped to another buyer's key", async function () {
      const stranger = generateKeyPair();
      const mislabelled = serializeManifest(
        buildManifest({
          ...input,
          entries: rewrapForBuyer(custodianEntries, custodian.privateKey, stranger.publicKey),
        }),
      );
      const opened = await openManifest(mislabelled, manifestHash(mislabelled), buyer.privateKey, store);
      const error = await rejection(collect(opened));
      const manifestError = expectManifestError(error, "ENTRY_OPEN_FAILED", /entry 0/);
      expect(manifestError.cause).to.be.instanceOf(EnvelopeError).with.property("code", "UNWRAP_FAILED");
    });

    it("detects a substituted blob even if the store does not check", async function () {
      const other = await sealContribution(encode("someone else's data"), setOfOne(custodian, contributor));
      const opened = await openManifest(bytes, hash, buyer.privateKey, new SubstitutingStore(other.ciphertext));
      const error = await rejection(collect(opened));
      expect(error).to.be.instanceOf(BlobIntegrityError);
      expect((error as BlobIntegrityError).actual).to.equal(other.contentHash);
      expect((error as BlobIntegrityError).expected).to.equal(opened.manifest.entries[0].contentHash);
    });

    it("detects a blob replaced on disk in the local store", async function () {
      const tamperedDir = await mkdtemp(path.join(tmpdir(), "datacoop-manifest-tampered-"));
      try {
        const tampered = new LocalBlobStore(tamperedDir);
        const first = parseManifest(bytes).entries[0].contentHash;
        for (const contentHash of plaintexts.keys()) await tampered.put(await store.get(contentHash));
        await writeFile(tampered.pathFor(first), encode("substituted"));
        const error = await rejection(collect(await openManifest(bytes, hash, buyer.privateKey, tampered)));
        expect(error).to.be.instanceOf(BlobIntegrityError).with.property("expected", first);
      } finally {
        await rm(tamperedDir, { recursive: true, force: true });
      }
    });
  });

  describe("re-wrap as the custodian", function () {
    it("names the content hash whose key the custodian cannot unwrap", async function () {
      const sealed = await sealContribution(encode("wrapped elsewhere"), setOfOne(contributor, contributor));
      let thrown: unknown;
      try {
        rewrapForBuyer([...custodianEntries, shareOf(sealed)], custodian.privateKey, buyer.publicKey);
      } catch (error) {
        thrown = error;
      }
      const error = expectManifestError(thrown, "REWRAP_FAILED", new RegExp(sealed.contentHash));
      expect(error.field).to.equal("entries[3].custodianWrappedShare");
    });

    it("rejects a bad buyer key or a duplicated entry before re-wrapping", function () {
      expect(() => rewrapForBuyer(custodianEntries, custodian.privateKey, "0x04")).to.throw(EnvelopeError);
      expect(() => rewrapForBuyer([custodianEntries[0], custodianEntries[0]], custodian.privateKey, buyer.publicKey))
        .to.throw(ManifestError)
        .with.property("code", "DUPLICATE_ENTRY");
    });
  });

  describe("k-of-n: share manifests of a 2-of-3 custodian set", function () {
    let custodians: KeyPair[];
    let sealed: SealedContribution[];
    let manifests: DeliveredManifest[];
    let kDir: string;
    let kStore: LocalBlobStore;

    const deliver = (i: number, entries = sealed.map((s) => shareOf(s, i))): DeliveredManifest => {
      const manifestBytes = serializeManifest(
        buildManifest({
          ...input,
          custodianPublicKey: custodians[i].publicKey,
          eligibleSetHash: eligibleSetHash(sealed.map((one) => one.contentHash)),
          entries: rewrapForBuyer(entries, custodians[i].privateKey, buyer.publicKey),
        }),
      );
      return { bytes: manifestBytes, hash: manifestHash(manifestBytes) };
    };

    before(async function () {
      custodians = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
      kDir = await mkdtemp(path.join(tmpdir(), "datacoop-manifest-k-"));
      kStore = new LocalBlobStore(kDir);
      sealed = [];
      for (const text of ["alpha", "beta"]) {
        const one = await sealContribution(encode(text), {
          custodians: { version: 3, threshold: 2, publicKeys: custodians.map((c) => c.publicKey) },
          contributorPublicKey: contributor.publicKey,
        });
        await kStore.put(one.ciphertext);
        sealed.push(one);
      }
      manifests = [0, 1, 2].map((i) => deliver(i));
    });

    after(async function () {
      await rm(kDir, { recursive: true, force: true });
    });

    it("any two custodians' manifests decrypt every contribution", async function () {
      for (const pair of [
        [0, 1],
        [0, 2],
        [1, 2],
      ]) {
        const opened = await openManifests(
          pair.map((i) => manifests[i]),
          buyer.privateKey,
          kStore,
          { expect: { requestId: 7n, purpose: 2 } },
        );
        const texts = (await collect(opened)).map((c) => decode(c.plaintext)).sort();
        expect(texts).to.deep.equal(["alpha", "beta"]);
      }
    });

    it("one custodian's manifest alone is refused before anything is fetched", async function () {
      for (const one of manifests) {
        const error = await rejection(openManifests([one], buyer.privateKey, kStore));
        expectManifestError(error, "NOT_ENOUGH_SHARES", /split 2-of-n \(custodian set version 3\).*only 1/);
      }
    });

    it("detects a corrupted share by the key commitment, not only by AES-GCM", async function () {
      // Custodian 1 delivers, for the first contribution, a share of another key (a valid wrapped share,
      // so nothing but the rebuilt key can tell).
      const [first] = [...sealed].sort((a, b) => (a.contentHash < b.contentHash ? -1 : 1));
      const impostor = await sealContribution(encode("x"), {
        custodians: { version: 3, threshold: 2, publicKeys: custodians.map((c) => c.publicKey) },
        contributorPublicKey: contributor.publicKey,
      });
      const entries = sealed.map((s) =>
        s === first
          ? { ...shareOf(s, 1), custodianWrappedShare: impostor.custody.shares[1].wrappedShare }
          : shareOf(s, 1),
      );
      const bad = deliver(1, entries);
      const opened = await openManifests([manifests[0], bad], buyer.privateKey, kStore);
      const error = expectManifestError(
        await rejection(collect(opened)),
        "KEY_COMMITMENT_MISMATCH",
        new RegExp(first.contentHash),
      );
      expect(error.cause).to.be.instanceOf(EnvelopeError).with.property("code", "COMMITMENT_MISMATCH");
      // With a third, honest custodian the buyer rebuilds the key anyway.
      const texts = (await collect(await openManifests([manifests[0], bad, manifests[2]], buyer.privateKey, kStore)))
        .map((c) => decode(c.plaintext))
        .sort();
      expect(texts).to.deep.equal(["alpha", "beta"]);
    });

    it("refuses manifests that disagree, repeat a custodian, leave a key short of shares, or miss part of the set", async function () {
      expectManifestError(
        await rejection(openManifests([manifests[0], manifests[0]], buyer.privateKey, kStore)),
        "DUPLICATE_CUSTODIAN",
      );
      const lying = deliver(
        1,
        sealed.map((s) => ({ ...shareOf(s, 1), keyCommitment: keccak256(encode("forged")) })),
      );
      expectManifestError(
        await rejection(openManifests([manifests[0], lying], buyer.privateKey, kStore)),
        "CONTEXT_MISMATCH",
        /disagree on the key commitment/,
      );
      // Custodian 2 holds (or gives) a share of one contribution only: the other has one share of two.
      const partial = deliver(1, [shareOf(sealed[0], 1)]);
      expectManifestError(
        await rejection(openManifests([manifests[0], partial], buyer.privateKey, kStore)),
        "NOT_ENOUGH_SHARES",
        /only 1 of the manifests given hold a share/,
      );
      // Neither manifest lists the second contribution: together they are not the set posted on-chain.
      const partialToo = deliver(2, [shareOf(sealed[0], 2)]);
      expectManifestError(
        await rejection(openManifests([partial, partialToo], buyer.privateKey, kStore)),
        "INCOMPLETE_SET",
      );
    });

    it("names the eligible set by a hash every custodian computes alike", function () {
      const hashes = sealed.map((s) => s.contentHash);
      expect(eligibleSetHash(hashes)).to.equal(eligibleSetHash([...hashes].reverse()));
      expect(eligibleSetHash(hashes)).to.not.equal(eligibleSetHash(hashes.slice(0, 1)));
    });
  });
});
