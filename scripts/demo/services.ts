/**
 * The services the demo talks to over HTTP on loopback ports chosen at run time: the blob store and the
 * custodian daemon (services/custodian), started inside the demo on the in-process chain and stopped with it.
 */
import path from "node:path";
import type { Signer } from "ethers";

import * as roles from "../../src/roles";
import { parseManifest } from "../../src/manifest";
import { LocalBlobStore, startBlobServer } from "../../src/store";
import { singleCustodianDelivery, startCustodianDaemon } from "../../services/custodian";

/** What the demo needs of one delivery, read back from the chain and the store. */
export interface DemoDelivery {
  readonly requestId: bigint;
  readonly purpose: number;
  readonly manifestHash: string;
  readonly contentHashes: readonly string[];
  /** The daemon's own time for it, from its log line. */
  readonly ms: number;
}

/** The running services. */
export interface DemoServices {
  readonly storeUrl: string;
  readonly custodianUrl: string;
  /** Waits (bounded) until the daemon reports every request in `requestIds` delivered on `GET /health`. */
  delivered(requestIds: readonly bigint[]): Promise<DemoDelivery[]>;
  close(): Promise<void>;
}

const WAIT_MS = 30_000;

/**
 * Starts the blob store over `blobsDir` and a custodian daemon delivering as `custodian`.
 * @param work a scratch directory for the daemon's state file
 */
export async function startDemoServices(
  coop: roles.DataCoop,
  custodian: Signer,
  custodianKey: roles.EciesKey,
  blobsDir: string,
  work: string,
): Promise<DemoServices> {
  const server = await startBlobServer({ store: new LocalBlobStore(blobsDir) });
  const store = roles.openStore(server.url);
  const times = new Map<string, number>();
  const daemon = await startCustodianDaemon({
    system: coop,
    delivery: (eligibilityLogs) => singleCustodianDelivery(coop, custodian, custodianKey, { store, eligibilityLogs }),
    dbPath: path.join(work, "custodian.sqlite"),
    pollIntervalMs: 100,
    log: (line) => {
      const entry = JSON.parse(line) as { level?: string; event?: string; requestId?: string; ms?: number };
      if (entry.event === "delivered" && entry.requestId !== undefined) times.set(entry.requestId, entry.ms ?? 0);
      if (entry.level === "error") process.stderr.write(`custodian daemon: ${line}\n`);
    },
  });
  return {
    storeUrl: server.url,
    custodianUrl: daemon.url,
    async delivered(requestIds) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const health = (await (await fetch(`${daemon.url}/health`)).json()) as { requests: { delivered: number } };
        if (requestIds.every((id) => times.has(id.toString())) && health.requests.delivered >= requestIds.length) break;
        if (Date.now() > deadline) {
          throw new Error(`The custodian daemon did not deliver ${requestIds.join(", ")} within ${WAIT_MS / 1000} s.`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return Promise.all(
        requestIds.map(async (requestId) => {
          const request = await roles.readRequest(coop, requestId);
          const manifest = parseManifest(await store.store.get(request.manifestHash));
          return {
            requestId,
            purpose: Number(request.purpose),
            manifestHash: request.manifestHash,
            contentHashes: manifest.entries.map((e) => e.contentHash).sort(),
            ms: times.get(requestId.toString()) ?? 0,
          };
        }),
      );
    },
    async close() {
      await daemon.close();
      await server.close();
    },
  };
}
