/**
 * Load on one validator service (`npm run bench:services`): the in-process chain, a local blob store, one
 * validator service on 127.0.0.1 with a two-thread scoring pool, and 20 concurrent clients sending 10
 * attestation requests each (small synthetic exports, each sealed as its refinement). Every answer is checked
 * (status, contributor, content hash, signature recovering to the validator). Prints a table and writes
 * `bench/services.json` (`{"attest": {"p50ms", "p99ms", "errors"}, ...}`), committed so changes show in review.
 *
 * Latency is end to end per request: HTTP, descriptor and ciphertext fetch, decrypt, refinement check,
 * scoring in a worker, signing. On a shared 2-core machine the numbers move with the load; compare runs
 * on the same machine.
 */
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { ethers } from "hardhat";
import { verifyTypedData } from "ethers";

import { generateKeyPair } from "../../src/crypto";
import { ATTESTATION_TYPES, attestationDomain } from "../../src/protocol/attestation";
import * as roles from "../../src/roles";
import { startValidatorService } from "../../services/validator/service";
import { buildSyntheticExport } from "../../test/support/export";
import { localWallet, requestFor, sealRefinement } from "../../test/support/sealed-refinement";
import { connectSystem, deploySystem } from "../../test/support/system";

const CLIENTS = 20;
const PER_CLIENT = 10;
const WORKERS = 2;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const system = await deploySystem({ custodianPublicKey: generateKeyPair().publicKey });
  const coop = await connectSystem(system);
  const dir = await mkdtemp(path.join(os.tmpdir(), "datacoop-bench-services-"));
  const store = roles.openStore(dir);
  const wallet = localWallet(system.validators[0].address, ethers.provider);
  const service = await startValidatorService({
    system: coop,
    validator: wallet,
    store: store.store,
    workers: WORKERS,
    maxQueue: 64,
    rateLimits: {
      perIp: { capacity: 10_000, refillPerSecond: 1_000 },
      perAddress: { capacity: 1_000, refillPerSecond: 100 },
    },
    log: () => undefined,
  });
  try {
    const key = await roles.validatorPublicKeyOf(coop, service.address);
    const domain = attestationDomain(coop.chainId, coop.addresses.registry);
    const clients = system.signers.slice(0, CLIENTS);
    const sealed = [];
    for (const [i, client] of clients.entries()) {
      const exportBytes = buildSyntheticExport({
        seed: 500 + i,
        conversations: 6,
        maxTurns: 3,
        userId: `user-bench-${i}`,
      });
      sealed.push({ client, sealed: await sealRefinement(coop, exportBytes, store) });
    }
    const bodies = sealed.map(({ client, sealed: s }) => roles.encodeAttestRequest(requestFor(s, client.address, key)));
    const requestBytes = bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length;
    const latencies: number[] = [];
    let errors = 0;
    // One warm-up request per worker, not counted: the first jobs load the worker bundles.
    await Promise.all(
      Array.from({ length: WORKERS }, () =>
        fetch(`${service.url}/v1/attestations`, { method: "POST", body: bodies[0] }).then((r) => r.arrayBuffer()),
      ),
    );
    // One client at a time: the latency of a request that does not queue.
    const alone: number[] = [];
    for (let n = 0; n < 20; n++) {
      const t = performance.now();
      const response = await fetch(`${service.url}/v1/attestations`, {
        method: "POST",
        body: bodies[n % bodies.length],
      });
      await response.arrayBuffer();
      if (response.status === 200) alone.push(performance.now() - t);
    }
    alone.sort((a, b) => a - b);
    const started = performance.now();
    await Promise.all(
      sealed.map(async ({ client, sealed: s }, i) => {
        for (let n = 0; n < PER_CLIENT; n++) {
          const t = performance.now();
          try {
            const response = await fetch(`${service.url}/v1/attestations`, { method: "POST", body: bodies[i] });
            const body: unknown = await response.json();
            latencies.push(performance.now() - t);
            if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
            const { attestation, signature } = roles.decodeAttestResponse(body);
            const signer = verifyTypedData(
              domain,
              { Attestation: [...ATTESTATION_TYPES.Attestation] },
              attestation,
              signature,
            );
            if (
              signer !== wallet.address ||
              attestation.contentHash !== s.contentHash ||
              attestation.contributor !== client.address
            ) {
              throw new Error("wrong answer");
            }
          } catch {
            errors++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const result = {
      attest: {
        p50ms: Math.round(percentile(latencies, 50)),
        p99ms: Math.round(percentile(latencies, 99)),
        errors,
      },
      single: { p50ms: Math.round(percentile(alone, 50)), requests: 20 },
      requests: CLIENTS * PER_CLIENT,
      clients: CLIENTS,
      workers: WORKERS,
      requestsPerSecond: Math.round((CLIENTS * PER_CLIENT) / seconds),
      maxMs: Math.round(latencies[latencies.length - 1] ?? 0),
      requestBytes: Math.round(requestBytes),
      fixture: { generator: "test/support/export/generator.ts", conversations: 6, maxTurns: 3 },
    };
    const rows: [string, string][] = [
      ["requests (clients x each)", `${result.requests} (${CLIENTS} x ${PER_CLIENT})`],
      ["scoring workers", String(WORKERS)],
      ["request size", `${result.requestBytes} bytes`],
      ["one client alone, p50", `${result.single.p50ms} ms`],
      ["attest p50", `${result.attest.p50ms} ms`],
      ["attest p99", `${result.attest.p99ms} ms`],
      ["attest max", `${result.maxMs} ms`],
      ["throughput", `${result.requestsPerSecond} requests/s`],
      ["errors", String(errors)],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
    const out = path.join(__dirname, "..", "..", "bench", "services.json");
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`Wrote ${path.relative(process.cwd(), out)}`);
    if (errors > 0) process.exitCode = 1;
  } finally {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
