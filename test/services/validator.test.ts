import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { verifyTypedData } from "ethers";

import { ATTESTATION_TYPES, attestationDomain } from "../../src/protocol/attestation";
import * as roles from "../../src/roles";
import {
  startValidatorService,
  type ValidatorService,
  type ValidatorServiceOptions,
} from "../../services/validator/service";
import { localWallet, requestFor, sealRefinement } from "../support/sealed-refinement";
import { timelockSigner } from "../support/system";
import { exportOf, mask, P, removeDir, rolesFixture, tempDir } from "../roles/fixture";

/** The validator service over HTTP on 127.0.0.1, against the in-process chain. */
describe("services: validator", function () {
  this.timeout(60_000);
  let dir: string | undefined;
  const running: ValidatorService[] = [];
  const logs: string[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
    await removeDir(dir);
  });

  async function setup(threshold = 1) {
    const fx = await loadFixture(rolesFixture);
    if (threshold > 1)
      await fx.system.registry.connect(await timelockSigner(fx.system)).setAttestationThreshold(threshold);
    dir = await tempDir("validator-service");
    const store = roles.openStore(dir);
    const wallets = fx.system.validators.map((v) => localWallet(v.address, ethers.provider));
    const start = async (i: number, options: Partial<ValidatorServiceOptions> = {}) => {
      const service = await startValidatorService({
        system: fx.coop,
        validator: wallets[i],
        store: store.store,
        workers: 1,
        log: (line) => logs.push(JSON.stringify(line)),
        ...options,
      });
      running.push(service);
      return service;
    };
    return { fx, store, wallets, start };
  }

  const post = (url: string, body: string) =>
    fetch(`${url}/v1/attestations`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  it("a contributor collects k attestations from two validator services and registers", async function () {
    const { fx, store, start } = await setup(2);
    const services = [await start(0), await start(1)];
    const info = await (await fetch(`${services[0].url}/`)).json();
    expect(info).to.include({ address: services[0].address, scorerVersion: "datacoop-chatgpt-export/1.2.0" });
    const sealed = await sealRefinement(fx.coop, exportOf("alice", 11), store);
    const deadline = (await roles.chainTime(fx.coop.provider)) + 3600n;
    const file = await roles.requestAttestations(
      fx.coop,
      services.map((s) => s.url),
      (validator) => requestFor(sealed, fx.alice.address, validator.publicKey, deadline),
      { k: 2 },
    );
    expect(file.signatures.map((s) => s.validator).sort()).to.deep.equal(services.map((s) => s.address).sort());
    const plan = roles.planFromAttestation(fx.coop, file, mask(P.RESEARCH), sealed.uri);
    const registered = await roles.registerContribution(fx.coop, fx.alice, plan);
    expect(registered.contentHash).to.equal(sealed.contentHash);
    expect(logs.join("\n")).to.not.match(/user-alice|@/);
  });

  it("a validator service refuses a substituted ciphertext, and the client names it", async function () {
    const { fx, store, start } = await setup();
    const service = await start(0);
    const good = await sealRefinement(fx.coop, exportOf("alice", 12), store);
    const worthless = await sealRefinement(fx.coop, exportOf("alice", 13), store);
    const key = await roles.validatorPublicKeyOf(fx.coop, service.address);
    const substituted = {
      ...requestFor(good, fx.alice.address, key),
      contentHash: worthless.contentHash,
      uri: worthless.uri,
    };
    const response = await post(service.url, roles.encodeAttestRequest(substituted));
    expect(response.status).to.equal(422);
    expect(await errorOf(response)).to.equal("UNDECRYPTABLE");
    const refused = await roles.requestAttestations(fx.coop, [service.url], [substituted], { k: 1 }).then(
      () => undefined,
      (e: unknown) => e as roles.RoleError,
    );
    expect(refused?.code).to.equal("CHECK_FAILED");
    expect(refused?.message).to.contain(service.url).and.contain("UNDECRYPTABLE");
  });

  it("answers oversize, malformed and rate-limited requests with clear 4xx errors and stays up", async function () {
    const { fx, start } = await setup();
    const service = await start(0, {
      maxBodyBytes: 64 * 1024,
      rateLimits: { perIp: { capacity: 4, refillPerSecond: 0.01 } },
    });
    const big = await post(service.url, JSON.stringify({ padding: "x".repeat(200 * 1024) }));
    expect([big.status, await errorOf(big)]).to.deep.equal([413, "BODY_TOO_LARGE"]);
    const malformed = await post(service.url, "{not json");
    expect([malformed.status, await errorOf(malformed)]).to.deep.equal([400, "INVALID_INPUT"]);
    const wrongField = await post(service.url, JSON.stringify({ type: "datacoop.attest-request", version: 1 }));
    expect(wrongField.status).to.equal(400);
    expect(((await wrongField.json()) as { error: { message: string } }).error.message).to.contain("contributor");
    let limited: Response | undefined;
    for (let i = 0; i < 4 && limited === undefined; i++) {
      const r = await post(service.url, "{}");
      if (r.status === 429) limited = r;
      else await r.body?.cancel();
    }
    expect(limited?.status).to.equal(429);
    expect(limited?.headers.get("retry-after")).to.match(/^\d+$/);
    expect(await errorOf(limited!)).to.equal("RATE_LIMITED");
    const health = await fetch(`${service.url}/health`);
    expect(health.status).to.equal(200);
    expect(((await health.json()) as { ok: boolean }).ok).to.equal(true);
    expect((await fetch(`${service.url}/nowhere`)).status).to.equal(404);
    void fx;
  });

  it("lets the member app's origin call it from a browser (CORS preflight and headers), and no other", async function () {
    const { start } = await setup();
    const app = "http://127.0.0.1:4173";
    const service = await start(0, { allowedOrigins: [app] });
    const preflight = (origin: string) =>
      fetch(`${service.url}/v1/attestations`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const allowed = await preflight(app);
    expect(allowed.status).to.equal(204);
    expect(allowed.headers.get("access-control-allow-origin")).to.equal(app);
    expect(allowed.headers.get("access-control-allow-methods")).to.contain("POST");
    expect(allowed.headers.get("access-control-allow-headers")).to.contain("content-type");
    const other = await preflight("https://elsewhere.example");
    expect(other.status).to.equal(403);
    expect(other.headers.get("access-control-allow-origin")).to.equal(null);
    // The answers themselves carry the header too, errors included, so the page can read why it was refused.
    const refused = await fetch(`${service.url}/v1/attestations`, {
      method: "POST",
      headers: { origin: app },
      body: "{}",
    });
    expect(refused.status).to.equal(400);
    expect(refused.headers.get("access-control-allow-origin")).to.equal(app);
    expect(
      (await fetch(`${service.url}/`, { headers: { origin: app } })).headers.get("access-control-allow-origin"),
    ).to.equal(app);
  });

  it("answers 200 attestation requests from 20 concurrent clients correctly", async function () {
    const { fx, store, wallets, start } = await setup();
    const service = await start(0, {
      workers: 2,
      maxQueue: 64,
      rateLimits: {
        perIp: { capacity: 1_000, refillPerSecond: 100 },
        perAddress: { capacity: 100, refillPerSecond: 10 },
      },
    });
    const key = await roles.validatorPublicKeyOf(fx.coop, service.address);
    const domain = attestationDomain(fx.coop.chainId, fx.coop.addresses.registry);
    const clients = fx.system.signers.slice(0, 20);
    const sealed = await Promise.all(
      clients.map((_, i) => sealRefinement(fx.coop, exportOf(`load${i}`, 100 + i, { conversations: 2 }), store)),
    );
    const bodies = clients.map((client, i) => roles.encodeAttestRequest(requestFor(sealed[i], client.address, key)));
    let correct = 0;
    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; n < 10; n++) {
          const response = await post(service.url, bodies[i]);
          expect(response.status).to.equal(200);
          const { attestation, signature } = roles.decodeAttestResponse(await response.json());
          expect(attestation.contentHash).to.equal(sealed[i].contentHash);
          expect(attestation.contributor).to.equal(client.address);
          expect(
            verifyTypedData(domain, { Attestation: [...ATTESTATION_TYPES.Attestation] }, attestation, signature),
          ).to.equal(wallets[0].address);
          correct++;
        }
      }),
    );
    expect(correct).to.equal(200);
  });
});
