import { expect } from "chai";

import { generateKeyPair, wrapDataKey } from "../../src/crypto";
import { generateDataKey } from "../../src/crypto/aead";
import {
  buildAttestRequest,
  decodeAttestRequest,
  decodeAttestResponse,
  encodeAttestRequest,
  encodeAttestResponse,
  openAttestRequest,
  RoleError,
} from "../../src/roles";

const CONTRIBUTOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const HASH = `0x${"ab".repeat(32)}`;

function request(validatorPublicKey: string) {
  return buildAttestRequest({
    contributor: CONTRIBUTOR,
    contentHash: HASH,
    uri: `http://127.0.0.1:1/${"cd".repeat(32)}`,
    exportBytes: new TextEncoder().encode("PK a raw export"),
    sealedDataKey: generateDataKey(),
    validatorPublicKey,
    deadline: 1_900_000_000n,
    refine: { exclude: ["id:abc"], branches: false },
  });
}

function fieldError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(RoleError);
    expect((error as RoleError).code).to.equal("INVALID_INPUT");
    return (error as RoleError).message;
  }
  throw new Error("expected a RoleError");
}

describe("roles: attest request wire format", function () {
  it("takes the data key already wrapped to the validator (a browser never holds it), and exactly one form", function () {
    const validator = generateKeyPair();
    const dataKey = generateDataKey();
    const sealedKey = wrapDataKey(dataKey, validator.publicKey);
    const input = {
      contributor: CONTRIBUTOR,
      contentHash: HASH,
      uri: `http://127.0.0.1:1/${"cd".repeat(32)}`,
      exportBytes: new TextEncoder().encode("PK a raw export"),
      validatorPublicKey: validator.publicKey,
    };
    const built = buildAttestRequest({ ...input, sealedKey });
    expect(
      openAttestRequest(decodeAttestRequest(encodeAttestRequest(built)), validator.privateKey).sealedDataKey,
    ).to.deep.equal(dataKey);
    expect(fieldError(() => buildAttestRequest(input))).to.contain("exactly one");
    expect(fieldError(() => buildAttestRequest({ ...input, sealedKey, sealedDataKey: dataKey }))).to.contain(
      "exactly one",
    );
  });

  it("round-trips a request, and only the validator it was built for opens it", function () {
    const validator = generateKeyPair();
    const built = request(validator.publicKey);
    const decoded = decodeAttestRequest(encodeAttestRequest(built));
    expect(decoded).to.deep.equal({ ...built, contentHash: HASH.toLowerCase() });
    const opened = openAttestRequest(decoded, validator.privateKey);
    expect(new TextDecoder().decode(opened.exportBytes)).to.equal("PK a raw export");
    expect(opened.sealedDataKey.length).to.equal(32);
    expect(() => openAttestRequest(decoded, generateKeyPair().privateKey)).to.throw("Could not unwrap");
  });

  it("refuses each malformed field, naming it", function () {
    const wire = JSON.parse(encodeAttestRequest(request(generateKeyPair().publicKey))) as Record<string, unknown>;
    const cases: [string, Record<string, unknown>][] = [
      ["contributor", { contributor: "0x1234" }],
      ["contentHash", { contentHash: `0x${"0".repeat(64)}` }],
      ["uri", { uri: "" }],
      ["sealedKey", { sealedKey: "0x00" }],
      ["rawExport.ciphertext", { rawExport: { ...(wire.rawExport as object), ciphertext: "not base64!" } }],
      ["rawExport.wrappedKey", { rawExport: { ...(wire.rawExport as object), wrappedKey: "0x01" } }],
      ["deadline", { deadline: "-1" }],
      ["refine.branches", { refine: { branches: "yes" } }],
      ["type", { type: "other" }],
      ["request has an unknown field", { extra: 1 }],
    ];
    for (const [field, change] of cases) {
      expect(fieldError(() => decodeAttestRequest({ ...wire, ...change }))).to.contain(field);
    }
    expect(fieldError(() => decodeAttestRequest("{not json"))).to.contain("not JSON");
  });

  it("round-trips a response and refuses a bad signature", function () {
    const response = {
      attestation: {
        contributor: CONTRIBUTOR,
        contentHash: HASH,
        sourceHash: `0x${"12".repeat(32)}`,
        units: 7,
        quality: 5_000,
        scorerVersion: 1_001_000,
        deadline: 1_900_000_000n,
      },
      signature: `0x${"11".repeat(65)}`,
    };
    expect(decodeAttestResponse(encodeAttestResponse(response))).to.deep.equal(response);
    const wire = JSON.parse(encodeAttestResponse(response)) as Record<string, unknown>;
    expect(fieldError(() => decodeAttestResponse({ ...wire, signature: "0x12" }))).to.contain("signature");
  });
});
