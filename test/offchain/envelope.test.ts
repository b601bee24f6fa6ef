import { expect } from "chai";
import { decrypt as eciesDecrypt, encrypt as eciesEncrypt } from "eciesjs";
import { SigningKey, keccak256 } from "ethers";
import fc from "fast-check";

import {
  CIPHERTEXT_OVERHEAD,
  CIPHERTEXT_VERSION,
  type Curve,
  EnvelopeError,
  type EnvelopeErrorCode,
  type SealedContribution,
  WRAPPED_KEY_LENGTH,
  createRewrapper,
  generateKeyPair,
  keyCommitment,
  nativeCurve,
  nobleCurve,
  recoverDataKey,
  splitDataKey,
  normalizePublicKey,
  openContribution,
  publicKeyFromPrivate,
  rewrapDataKey,
  sealContribution,
  unwrapDataKey,
} from "../../src/crypto";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

async function expectRejected(action: () => Promise<unknown>, code: EnvelopeErrorCode, message?: RegExp) {
  let thrown: unknown;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected EnvelopeError ${code}`).to.be.instanceOf(EnvelopeError);
  expect((thrown as EnvelopeError).code).to.equal(code);
  if (message) expect((thrown as EnvelopeError).message).to.match(message);
}

/** The custodian's wrapped share of a 1-of-1 sealed contribution: the data key itself, wrapped. */
const custodianShare = (sealed: SealedContribution): Uint8Array => sealed.custody.shares[0].wrappedShare;

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.slice(2), "hex"));

function expectEnvelopeError(action: () => unknown, code: EnvelopeErrorCode, message?: RegExp): EnvelopeError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected EnvelopeError ${code}`).to.be.instanceOf(EnvelopeError);
  const error = thrown as EnvelopeError;
  expect(error.code).to.equal(code);
  if (message) expect(error.message).to.match(message);
  return error;
}

function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] ^= 0x01;
  return copy;
}

describe("envelope encryption", function () {
  const custodian = generateKeyPair();
  const contributor = generateKeyPair();
  const buyer = generateKeyPair();
  const single = (publicKey: string) => ({ version: 1, threshold: 1, publicKeys: [publicKey] });
  const recipients = { custodians: single(custodian.publicKey), contributorPublicKey: contributor.publicKey };
  const plaintext = text('{"conversations":[{"title":"hello"}]}');

  describe("keys", function () {
    it("generates a 32-byte private key and a 33-byte compressed public key", function () {
      expect(custodian.privateKey).to.match(/^0x[0-9a-f]{64}$/);
      expect(custodian.publicKey).to.match(/^0x0[23][0-9a-f]{64}$/);
      expect(publicKeyFromPrivate(custodian.privateKey)).to.equal(custodian.publicKey);
      expect(generateKeyPair().privateKey).to.not.equal(custodian.privateKey);
    });

    it("derives the same public key as ethers, compressed or not", function () {
      const signingKey = new SigningKey(custodian.privateKey);
      expect(publicKeyFromPrivate(custodian.privateKey)).to.equal(signingKey.compressedPublicKey);
      expect(publicKeyFromPrivate(custodian.privateKey, { compressed: false })).to.equal(signingKey.publicKey);
      expect(normalizePublicKey(signingKey.publicKey)).to.equal(custodian.publicKey);
    });

    it("rejects malformed public keys with a message saying what is expected", function () {
      const uncompressed = publicKeyFromPrivate(custodian.privateKey, { compressed: false });
      expectEnvelopeError(() => normalizePublicKey("0x" + uncompressed.slice(4)), "INVALID_PUBLIC_KEY", /prepend 0x04/);
      expectEnvelopeError(() => normalizePublicKey("0x05" + custodian.publicKey.slice(4)), "INVALID_PUBLIC_KEY");
      expectEnvelopeError(() => normalizePublicKey("0x04" + "00".repeat(64)), "INVALID_PUBLIC_KEY", /not a point/);
      expectEnvelopeError(() => normalizePublicKey("not hex"), "INVALID_PUBLIC_KEY", /hex/);
      expectEnvelopeError(() => normalizePublicKey("0x" + "11".repeat(20)), "INVALID_PUBLIC_KEY", /Ethereum address/);
    });

    it("rejects invalid private keys without echoing them", function () {
      const outOfRange = "0x" + "ff".repeat(32);
      const error = expectEnvelopeError(() => publicKeyFromPrivate(outOfRange), "INVALID_PRIVATE_KEY");
      expect(error.message).to.not.contain("ff".repeat(32));
      expectEnvelopeError(() => publicKeyFromPrivate(new Uint8Array(32)), "INVALID_PRIVATE_KEY");
      expectEnvelopeError(() => publicKeyFromPrivate(custodian.privateKey.slice(0, 64)), "INVALID_PRIVATE_KEY", /32/);
    });
  });

  describe("seal and open", function () {
    it("round-trips for the contributor and for the custodian", async function () {
      const sealed = await sealContribution(plaintext, recipients);
      for (const [wrapped, key] of [
        [sealed.contributorWrappedKey, contributor.privateKey],
        [custodianShare(sealed), custodian.privateKey],
      ] as const) {
        const dataKey = unwrapDataKey(wrapped, key);
        expect(dataKey).to.have.length(32);
        expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(plaintext);
      }
    });

    it("wraps the whole key to each reader too (validators, for a contributor who cannot unwrap its own copy)", async function () {
      const readers = [generateKeyPair(), generateKeyPair()];
      const sealed = await sealContribution(plaintext, { ...recipients, readers: readers.map((r) => r.publicKey) });
      expect(sealed.readerWrappedKeys).to.have.length(2);
      for (const [i, reader] of readers.entries()) {
        const dataKey = unwrapDataKey(sealed.readerWrappedKeys[i], reader.privateKey);
        expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(plaintext);
      }
      expect(() => unwrapDataKey(sealed.readerWrappedKeys[0], readers[1].privateKey)).to.throw(EnvelopeError);
      expect((await sealContribution(plaintext, recipients)).readerWrappedKeys).to.deep.equal([]);
    });

    it("writes the documented version-1 layout and hashes the whole ciphertext", async function () {
      const sealed = await sealContribution(plaintext, recipients);
      expect(sealed.ciphertext[0]).to.equal(CIPHERTEXT_VERSION);
      expect(sealed.ciphertext).to.have.length(plaintext.length + CIPHERTEXT_OVERHEAD);
      expect(sealed.contentHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(sealed.contentHash).to.equal(keccak256(sealed.ciphertext));
      expect(custodianShare(sealed)).to.have.length(WRAPPED_KEY_LENGTH);
      expect(sealed.contributorWrappedKey).to.have.length(WRAPPED_KEY_LENGTH);
    });

    it("uses a fresh data key and nonce every time", async function () {
      const first = await sealContribution(plaintext, recipients);
      const second = await sealContribution(plaintext, recipients);
      expect(first.contentHash).to.not.equal(second.contentHash);
      const firstKey = unwrapDataKey(custodianShare(first), custodian.privateKey);
      const secondKey = unwrapDataKey(custodianShare(second), custodian.privateKey);
      expect(firstKey).to.not.deep.equal(secondKey);
    });

    it("accepts public keys compressed or uncompressed, as hex or bytes", async function () {
      const sealed = await sealContribution(plaintext, {
        custodians: single(publicKeyFromPrivate(custodian.privateKey, { compressed: false }).slice(2)),
        contributorPublicKey: Buffer.from(contributor.publicKey.slice(2), "hex"),
      });
      const dataKey = unwrapDataKey(custodianShare(sealed), Buffer.from(custodian.privateKey.slice(2), "hex"));
      expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(plaintext);
      expect(
        openContribution(sealed.ciphertext, unwrapDataKey(sealed.contributorWrappedKey, contributor.privateKey)),
      ).to.deep.equal(plaintext);
    });

    it("round-trips any bytes, including empty", async function () {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
          const sealed = await sealContribution(bytes, recipients);
          const dataKey = unwrapDataKey(sealed.contributorWrappedKey, contributor.privateKey);
          expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(bytes);
        }),
        { numRuns: 12 },
      );
    });

    it("refuses a bad recipient key before encrypting", async function () {
      await expectRejected(
        () => sealContribution(plaintext, { ...recipients, custodians: single("0x1234") }),
        "INVALID_PUBLIC_KEY",
        /custodian public key #0/,
      );
      await expectRejected(
        () => sealContribution("text" as unknown as Uint8Array, recipients),
        "INVALID_PLAINTEXT",
        /Uint8Array/,
      );
    });
  });

  describe("failures never return garbage", function () {
    let sealed: SealedContribution;
    let dataKey: Uint8Array;

    before(async function () {
      sealed = await sealContribution(plaintext, recipients);
      dataKey = unwrapDataKey(custodianShare(sealed), custodian.privateKey);
    });

    it("fails to unwrap with a wrong private key, naming the key that was tried", function () {
      expectEnvelopeError(
        () => unwrapDataKey(custodianShare(sealed), buyer.privateKey),
        "UNWRAP_FAILED",
        new RegExp(buyer.publicKey),
      );
      expectEnvelopeError(() => unwrapDataKey(sealed.contributorWrappedKey, custodian.privateKey), "UNWRAP_FAILED");
    });

    it("fails to decrypt with a wrong data key", async function () {
      const other = await sealContribution(plaintext, recipients);
      const otherKey = unwrapDataKey(custodianShare(other), custodian.privateKey);
      expectEnvelopeError(() => openContribution(sealed.ciphertext, otherKey), "DECRYPTION_FAILED");
      expectEnvelopeError(() => openContribution(sealed.ciphertext, dataKey.subarray(0, 16)), "INVALID_DATA_KEY");
    });

    it("detects a flipped bit in every byte of the ciphertext", function () {
      for (let i = 0; i < sealed.ciphertext.length; i++) {
        const code = i === 0 ? "UNSUPPORTED_CIPHERTEXT_VERSION" : "DECRYPTION_FAILED";
        expectEnvelopeError(() => openContribution(flipped(sealed.ciphertext, i), dataKey), code);
      }
    });

    it("detects a flipped bit in every region of a wrapped key", function () {
      // version | ephemeral public key 1..65 | nonce 66..81 | tag 82..97 | encrypted data key 98..129
      for (const i of [0, 1, 2, 40, 65, 66, 81, 82, 97, 98, 110, WRAPPED_KEY_LENGTH - 1]) {
        const code = i === 0 ? "UNSUPPORTED_WRAPPED_KEY_VERSION" : "UNWRAP_FAILED";
        expectEnvelopeError(() => unwrapDataKey(flipped(custodianShare(sealed), i), custodian.privateKey), code);
      }
    });

    it("rejects truncated or extended inputs with their expected sizes", function () {
      expectEnvelopeError(
        () => openContribution(sealed.ciphertext.subarray(0, CIPHERTEXT_OVERHEAD - 1), dataKey),
        "MALFORMED_CIPHERTEXT",
        /at least 29 bytes/,
      );
      expectEnvelopeError(
        () => openContribution(sealed.ciphertext.subarray(0, sealed.ciphertext.length - 1), dataKey),
        "DECRYPTION_FAILED",
      );
      expectEnvelopeError(
        () => unwrapDataKey(custodianShare(sealed).subarray(1), custodian.privateKey),
        "MALFORMED_WRAPPED_KEY",
        /130 bytes/,
      );
      const longer = new Uint8Array(WRAPPED_KEY_LENGTH + 1);
      longer.set(custodianShare(sealed));
      expectEnvelopeError(() => unwrapDataKey(longer, custodian.privateKey), "MALFORMED_WRAPPED_KEY");
    });
  });

  describe("re-wrap for a buyer", function () {
    it("lets the buyer, and only the buyer, open the contribution", async function () {
      const sealed = await sealContribution(plaintext, recipients);
      const forBuyer = rewrapDataKey(custodianShare(sealed), custodian.privateKey, buyer.publicKey);
      expect(forBuyer).to.have.length(WRAPPED_KEY_LENGTH);
      expect(openContribution(sealed.ciphertext, unwrapDataKey(forBuyer, buyer.privateKey))).to.deep.equal(plaintext);
      expectEnvelopeError(() => unwrapDataKey(forBuyer, custodian.privateKey), "UNWRAP_FAILED");
      expectEnvelopeError(() => unwrapDataKey(forBuyer, contributor.privateKey), "UNWRAP_FAILED");
    });

    it("fails with the custodian's key on a key not wrapped to the custodian", async function () {
      const sealed = await sealContribution(plaintext, recipients);
      expectEnvelopeError(
        () => rewrapDataKey(sealed.contributorWrappedKey, custodian.privateKey, buyer.publicKey),
        "UNWRAP_FAILED",
      );
      expectEnvelopeError(
        () => rewrapDataKey(custodianShare(sealed), custodian.privateKey, "0x02"),
        "INVALID_PUBLIC_KEY",
        /buyer public key/,
      );
    });
  });

  describe("eciesjs interoperability, on each curve implementation", function () {
    const curves: Curve[] = [nobleCurve(), ...(nativeCurve() ? [nativeCurve() as Curve] : [])];

    it("has the native libsecp256k1 binding on this platform", function () {
      // The bench's speed target rests on it; the noble fallback is exercised below either way.
      expect(nativeCurve()?.name).to.equal("libsecp256k1");
    });

    for (const curve of curves) {
      describe(curve.name, function () {
        it("eciesjs itself opens our wrapped keys and re-wrapped keys", function () {
          const dataKey = generateDataKeyForTest();
          const forBuyer = createRewrapper(
            custodian.privateKey,
            buyer.publicKey,
            curve,
          )(wrapWithEcies(dataKey, custodian.publicKey));
          expect(forBuyer[0]).to.equal(1);
          const opened = eciesDecrypt(hexBytes(buyer.privateKey), forBuyer.subarray(1));
          expect(Uint8Array.from(opened)).to.deep.equal(dataKey);
        });

        it("we open what eciesjs wrapped, to compressed and uncompressed keys", function () {
          const dataKey = generateDataKeyForTest();
          for (const key of [custodian.publicKey, publicKeyFromPrivate(custodian.privateKey, { compressed: false })]) {
            const rewrapped = createRewrapper(
              custodian.privateKey,
              buyer.publicKey,
              curve,
            )(wrapWithEcies(dataKey, key));
            expect(unwrapDataKey(rewrapped, buyer.privateKey)).to.deep.equal(dataKey);
          }
        });

        it("refuses a payload whose ephemeral key is not on the curve", function () {
          const wrapped = wrapWithEcies(generateDataKeyForTest(), custodian.publicKey);
          wrapped.fill(0, 2, 66);
          expect(() => createRewrapper(custodian.privateKey, buyer.publicKey, curve)(wrapped)).to.throw(
            EnvelopeError,
            /Could not unwrap/,
          );
        });
      });
    }

    function wrapWithEcies(dataKey: Uint8Array, publicKey: string): Uint8Array {
      return Uint8Array.from([1, ...eciesEncrypt(publicKey.slice(2), dataKey)]);
    }
  });

  describe("k-of-n custody", function () {
    const contentHash = keccak256(text("ciphertext"));
    const custodians = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
    const twoOfThree = {
      custodians: { version: 7, threshold: 2, publicKeys: custodians.map((c) => c.publicKey) },
      contributorPublicKey: contributor.publicKey,
    };

    it("seals 2-of-3: one share per custodian, commitment and set version recorded", async function () {
      const sealed = await sealContribution(plaintext, twoOfThree);
      expect(sealed.custody.setVersion).to.equal(7);
      expect(sealed.custody.threshold).to.equal(2);
      expect(sealed.custody.shares.map((s) => s.custodianPublicKey)).to.deep.equal(custodians.map((c) => c.publicKey));
      expect(new Set(sealed.custody.shares.map((s) => s.index)).size).to.equal(3);
      const dataKey = unwrapDataKey(sealed.contributorWrappedKey, contributor.privateKey);
      expect(sealed.keyCommitment).to.equal(keyCommitment(sealed.contentHash, dataKey));
      expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(plaintext);
    });

    it("any two custodians' shares rebuild the key; one alone cannot", async function () {
      const sealed = await sealContribution(plaintext, twoOfThree);
      const shares = sealed.custody.shares.map((share, i) => ({
        index: share.index,
        value: unwrapDataKey(share.wrappedShare, custodians[i].privateKey),
      }));
      for (const pair of [
        [0, 1],
        [0, 2],
        [1, 2],
      ]) {
        const key = await recoverDataKey(
          pair.map((i) => shares[i]),
          2,
          sealed.contentHash,
          sealed.keyCommitment,
        );
        expect(openContribution(sealed.ciphertext, key)).to.deep.equal(plaintext);
      }
      for (const share of shares) {
        await expectRejected(
          () => recoverDataKey([share], 2, sealed.contentHash, sealed.keyCommitment),
          "NOT_ENOUGH_SHARES",
          /needs 2 custodians' shares; only 1/,
        );
        // A single share is not the key, so decrypting with it fails.
        expectEnvelopeError(() => openContribution(sealed.ciphertext, share.value), "DECRYPTION_FAILED");
      }
    });

    it("detects a corrupted share by the commitment, and survives it with a third good share", async function () {
      const dataKey = generateDataKeyForTest();
      const commitment = keyCommitment(contentHash, dataKey);
      const shares = await splitDataKey(dataKey, 3, 2);
      const corrupted = { index: shares[1].index, value: flipped(shares[1].value, 5) };
      await expectRejected(
        () => recoverDataKey([shares[0], corrupted], 2, contentHash, commitment),
        "COMMITMENT_MISMATCH",
      );
      expect(await recoverDataKey([shares[0], corrupted, shares[2]], 2, contentHash, commitment)).to.deep.equal(
        dataKey,
      );
      // The commitment is per contribution: the right key under another content hash does not match.
      await expectRejected(
        () => recoverDataKey(shares.slice(0, 2), 2, keccak256(text("other")), commitment),
        "COMMITMENT_MISMATCH",
      );
    });

    it("splits 1-of-n as the key itself, so a single custodian is a set of one", async function () {
      const dataKey = generateDataKeyForTest();
      const shares = await splitDataKey(dataKey, 2, 1);
      for (const share of shares) expect(share.value).to.deep.equal(dataKey);
      expect(await recoverDataKey([shares[1]], 1, contentHash, keyCommitment(contentHash, dataKey))).to.deep.equal(
        dataKey,
      );
    });

    it("refuses impossible thresholds and repeated custodians", async function () {
      for (const [count, threshold] of [
        [3, 0],
        [3, 4],
        [0, 0],
        [33, 2],
      ]) {
        await expectRejected(() => splitDataKey(generateDataKeyForTest(), count, threshold), "INVALID_THRESHOLD");
      }
      await expectRejected(
        () =>
          sealContribution(plaintext, {
            ...twoOfThree,
            custodians: { version: 1, threshold: 1, publicKeys: [custodian.publicKey, custodian.publicKey] },
          }),
        "INVALID_PUBLIC_KEY",
        /same public key twice/,
      );
    });
  });
});

function generateDataKeyForTest(): Uint8Array {
  return Uint8Array.from(Buffer.from(generateKeyPair().privateKey.slice(2), "hex"));
}
