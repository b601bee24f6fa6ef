/**
 * The services the demo talks to over HTTP on loopback ports chosen at run time: the blob store service, one
 * validator service per validator (contributors ask them for attestations over HTTP) and the custodian daemons
 * (services/custodian), started inside the demo on the in-process chain and stopped with it.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Signer, Wallet } from "ethers";

import * as roles from "../../src/roles";
import { parseManifest } from "../../src/manifest";
import { type CustodianDaemon, custodyAdapter, startCustodianDaemon } from "../../services/custodian";
import { startStoreService } from "../../services/store/service";
import { startValidatorService } from "../../services/validator/service";

/** What the demo needs of one delivery, read back from the daemons' logs and the store. */
export interface DemoDelivery {
  readonly requestId: bigint;
  readonly purpose: number;
  /** The share manifests posted, one per custodian, in posting order. */
  readonly manifestHashes: readonly string[];
  readonly contentHashes: readonly string[];
  /** The slowest daemon's own time for its post, from its log line. */
  readonly ms: number;
}

/** The running services. */
export interface DemoServices {
  readonly storeUrl: string;
  readonly validatorUrls: readonly string[];
  /** The validators as a contributor reaches them: over HTTP. */
  readonly validators: readonly roles.ValidatorEndpoint[];
  /** Starts one custodian daemon per custodian, watching the chain from the deployment's first block. */
  startCustodians(custodians: readonly DemoCustodian[]): Promise<readonly string[]>;
  /** Waits (bounded) until every daemon reports every request in `requestIds` delivered on `GET /health`. */
  delivered(requestIds: readonly bigint[]): Promise<DemoDelivery[]>;
  close(): Promise<void>;
}

/** One custodian the demo runs a daemon for. */
export interface DemoCustodian {
  readonly signer: Signer;
  readonly key: roles.EciesKey;
}

const WAIT_MS = 30_000;

interface Posted {
  readonly manifestHash: string;
  readonly ms: number;
}

/**
 * Starts the blob store service over `blobsDir` (the contributors' store) and one validator service per
 * wallet in `validators`; custodian daemons start later, with {@link DemoServices.startCustodians}.
 * @param work a scratch directory for the daemons' state files
 */
export async function startDemoServices(
  coop: roles.DataCoop,
  validators: readonly Wallet[],
  blobsDir: string,
  work: string,
): Promise<DemoServices> {
  const token = randomBytes(32).toString("hex");
  const server = await startStoreService({ dir: blobsDir, token, log: () => undefined });
  const store = roles.openStore(server.url, { token });
  const stops: (() => Promise<void>)[] = [() => server.close()];
  const services = [];
  for (const wallet of validators) {
    const service = await startValidatorService({
      system: coop,
      validator: wallet,
      store: store.store,
      log: () => undefined,
    });
    stops.unshift(() => service.close());
    services.push(service);
  }
  const endpoints = await Promise.all(services.map((service) => httpValidator(coop, service.url)));
  const posted = new Map<string, Posted[]>();
  const daemons: CustodianDaemon[] = [];
  const allDelivered = async (count: number): Promise<boolean> => {
    for (const daemon of daemons) {
      const health = (await (await fetch(`${daemon.url}/health`)).json()) as { requests: { delivered: number } };
      if (health.requests.delivered < count) return false;
    }
    return daemons.length > 0;
  };
  return {
    storeUrl: server.url,
    validatorUrls: services.map((service) => service.url),
    validators: endpoints,
    async startCustodians(custodians) {
      for (const [index, custodian] of custodians.entries()) {
        const daemon = await startCustodianDaemon({
          system: coop,
          delivery: (eligibilityLogs) =>
            custodyAdapter(coop, custodian.signer, custodian.key, { store, eligibilityLogs }),
          dbPath: path.join(work, `custodian-${index}.sqlite`),
          pollIntervalMs: 100,
          log: (line) => {
            const entry = JSON.parse(line) as {
              level?: string;
              event?: string;
              requestId?: string;
              ms?: number;
              manifestHash?: string;
            };
            if (entry.event === "delivered" && entry.requestId !== undefined && entry.manifestHash !== undefined) {
              const list = posted.get(entry.requestId) ?? [];
              list.push({ manifestHash: entry.manifestHash, ms: entry.ms ?? 0 });
              posted.set(entry.requestId, list);
            }
            if (entry.level === "error") process.stderr.write(`custodian daemon ${index + 1}: ${line}\n`);
          },
        });
        daemons.push(daemon);
        stops.unshift(() => daemon.close());
      }
      return daemons.map((d) => d.url);
    },
    async delivered(requestIds) {
      const deadline = Date.now() + WAIT_MS;
      while (!(await allDelivered(requestIds.length))) {
        if (Date.now() > deadline) {
          throw new Error(`The custodian daemons did not deliver ${requestIds.join(", ")} within ${WAIT_MS / 1000} s.`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return Promise.all(
        requestIds.map(async (requestId) => {
          const request = await roles.readRequest(coop, requestId);
          const posts = posted.get(requestId.toString()) ?? [];
          if (posts.length === 0) throw new Error(`No daemon logged a post for request #${requestId}.`);
          const manifest = parseManifest(await store.store.get(posts[0].manifestHash));
          return {
            requestId,
            purpose: Number(request.purpose),
            manifestHashes: posts.map((p) => p.manifestHash),
            contentHashes: manifest.entries.map((e) => e.contentHash).sort(),
            ms: Math.max(...posts.map((p) => p.ms)),
          };
        }),
      );
    },
    async close() {
      for (const stop of stops.splice(0)) await stop();
    },
  };
}

/**
 * A validator service as a contributor's endpoint: described (`GET /`, its key checked against the registry)
 * and asked over HTTP (`POST /v1/attestations`).
 */
async function httpValidator(coop: roles.DataCoop, url: string): Promise<roles.ValidatorEndpoint> {
  const info = await roles.describeValidator(coop, url);
  return {
    address: info.address,
    publicKey: info.publicKey,
    send: (request) => roles.askValidator(info.url, request),
  };
}
