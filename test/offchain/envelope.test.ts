import { expect } from "chai";
import { ECIES_CONFIG } from "eciesjs";
import { SigningKey, keccak256 } from "ethers";
import fc from "fast-check";

import {
  CIPHERTEXT_OVERHEAD,
  CIPHERTEXT_VERSION,
  EnvelopeError,
  type EnvelopeErrorCode,
  WRAPPED_KEY_LENGTH,
  generateKeyPair,
  normalizePublicKey,
  openContribution,
  publicKeyFromPrivate,
  rewrapDataKey,
  sealContribution,
  unwrapDataKey,
} from "../../src/crypto";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

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
  const recipients = { custodianPublicKey: custodian.publicKey, contributorPublicKey: contributor.publicKey };
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
    it("round-trips for the contributor and for the custodian", function () {
      const sealed = sealContribution(plaintext, recipients);
      for (const [wrapped, key] of [
        [sealed.wrappedKeys.contributor, contributor.privateKey],
        [sealed.wrappedKeys.custodian, custodian.privateKey],
      ] as const) {
        const dataKey = unwrapDataKey(wrapped, key);
        expect(dataKey).to.have.length(32);
        expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(plaintext);
      }
    });

    it("writes the documented version-1 layout and hashes the whole ciphertext", function () {
      const sealed = sealContribution(plaintext, recipients);
      expect(sealed.ciphertext[0]).to.equal(CIPHERTEXT_VERSION);
      expect(sealed.ciphertext).to.have.length(plaintext.length + CIPHERTEXT_OVERHEAD);
      expect(sealed.contentHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(sealed.contentHash).to.equal(keccak256(sealed.ciphertext));
      expect(sealed.wrappedKeys.custodian).to.have.length(WRAPPED_KEY_LENGTH);
      expect(sealed.wrappedKeys.contributor).to.have.length(WRAPPED_KEY_LENGTH);
    });

    it("uses a fresh data key and nonce every time", function () {
      const first = sealContribution(plaintext, recipients);
      const second = sealContribution(plaintext, recipients);
      expect(first.contentHash).to.not.equal(second.contentHash);
      const firstKey = unwrapDataKey(first.wrappedKeys.custodian, custodian.privateKey);
      const secondKey = unwrapDataKey(second.wrappedKeys.custodian, custodian.privateKey);
      expect(firstKey).to.not.deep.equal(secondKey);
    });

    it("accepts public keys compressed or uncompressed, as hex or bytes", function () {
      const sealed = sealContribution(plaintext, {
        custodianPublicKey: publicKeyFromPrivate(custodian.privateKey, { compressed: false }).slice(2),
        contributorPublicKey: Buffer.from(contributor.publicKey.slice(2), "hex"),
      });
      const dataKey = unwrapDataKey(sealed.wrappedKeys.custodian, Buffer.from(custodian.privateKey.slice(2), "hex"));
      expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(plaintext);
      expect(
        openContribution(sealed.ciphertext, unwrapDataKey(sealed.wrappedKeys.contributor, contributor.privateKey)),
      ).to.deep.equal(plaintext);
    });

    it("round-trips any bytes, including empty", function () {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          const sealed = sealContribution(bytes, recipients);
          const dataKey = unwrapDataKey(sealed.wrappedKeys.contributor, contributor.privateKey);
          expect(openContribution(sealed.ciphertext, dataKey)).to.deep.equal(bytes);
        }),
        { numRuns: 12 },
      );
    });

    it("refuses a bad recipient key before encrypting", function () {
      expectEnvelopeError(
        () => sealContribution(plaintext, { ...recipients, custodianPublicKey: "0x1234" }),
        "INVALID_PUBLIC_KEY",
        /custodian public key/,
      );
      expectEnvelopeError(
        () => sealContribution("text" as unknown as Uint8Array, recipients),
        "INVALID_PLAINTEXT",
        /Uint8Array/,
      );
    });
  });

  describe("failures never return garbage", function () {
    const sealed = sealContribution(plaintext, recipients);
    const dataKey = unwrapDataKey(sealed.wrappedKeys.custodian, custodian.privateKey);

    it("fails to unwrap with a wrong private key, naming the key that was tried", function () {
      expectEnvelopeError(
        () => unwrapDataKey(sealed.wrappedKeys.custodian, buyer.privateKey),
        "UNWRAP_FAILED",
        new RegExp(buyer.publicKey),
      );
      expectEnvelopeError(() => unwrapDataKey(sealed.wrappedKeys.contributor, custodian.privateKey), "UNWRAP_FAILED");
    });

    it("fails to decrypt with a wrong data key", function () {
      const other = sealContribution(plaintext, recipients);
      const otherKey = unwrapDataKey(other.wrappedKeys.custodian, custodian.privateKey);
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
        expectEnvelopeError(() => unwrapDataKey(flipped(sealed.wrappedKeys.custodian, i), custodian.privateKey), code);
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
        () => unwrapDataKey(sealed.wrappedKeys.custodian.subarray(1), custodian.privateKey),
        "MALFORMED_WRAPPED_KEY",
        /130 bytes/,
      );
      const longer = new Uint8Array(WRAPPED_KEY_LENGTH + 1);
      longer.set(sealed.wrappedKeys.custodian);
      expectEnvelopeError(() => unwrapDataKey(longer, custodian.privateKey), "MALFORMED_WRAPPED_KEY");
    });

    it("refuses to run if eciesjs's global configuration was changed", function () {
      ECIES_CONFIG.isEphemeralKeyCompressed = true;
      try {
        expectEnvelopeError(() => sealContribution(plaintext, recipients), "ECIES_CONFIG_CHANGED", /ECIES_CONFIG/);
        expectEnvelopeError(
          () => unwrapDataKey(sealed.wrappedKeys.custodian, custodian.privateKey),
          "ECIES_CONFIG_CHANGED",
        );
      } finally {
        ECIES_CONFIG.isEphemeralKeyCompressed = false;
      }
    });
  });

  describe("re-wrap for a buyer", function () {
    it("lets the buyer, and only the buyer, open the contribution", function () {
      const sealed = sealContribution(plaintext, recipients);
      const forBuyer = rewrapDataKey(sealed.wrappedKeys.custodian, custodian.privateKey, buyer.publicKey);
      expect(forBuyer).to.have.length(WRAPPED_KEY_LENGTH);
      expect(openContribution(sealed.ciphertext, unwrapDataKey(forBuyer, buyer.privateKey))).to.deep.equal(plaintext);
      expectEnvelopeError(() => unwrapDataKey(forBuyer, custodian.privateKey), "UNWRAP_FAILED");
      expectEnvelopeError(() => unwrapDataKey(forBuyer, contributor.privateKey), "UNWRAP_FAILED");
    });

    it("fails with the custodian's key on a key not wrapped to the custodian", function () {
      const sealed = sealContribution(plaintext, recipients);
      expectEnvelopeError(
        () => rewrapDataKey(sealed.wrappedKeys.contributor, custodian.privateKey, buyer.publicKey),
        "UNWRAP_FAILED",
      );
      expectEnvelopeError(
        () => rewrapDataKey(sealed.wrappedKeys.custodian, custodian.privateKey, "0x02"),
        "INVALID_PUBLIC_KEY",
        /buyer public key/,
      );
    });
  });
});
