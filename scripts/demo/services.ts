/**
 * The services the demo talks to over HTTP on loopback ports chosen at run time: the blob store and the
 * custodian daemons (services/custodian), started inside the demo on the in-process chain and stopped with it.
 */
import path from "node:path";
import type { Signer } from "ethers";

import * as roles from "../../src/roles";
import { parseManifest } from "../../src/manifest";
import { LocalBlobStore, startBlobServer } from "../../src/store";
import { custodyAdapter, startCustodianDaemon } from "../../services/custodian";

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
  readonly custodianUrls: readonly string[];
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
 * Starts the blob store over `blobsDir` and one custodian daemon per custodian in `custodians`.
 * @param work a scratch directory for the daemons' state files
 */
export async function startDemoServices(
  coop: roles.DataCoop,
  custodians: readonly DemoCustodian[],
  blobsDir: string,
  work: string,
): Promise<DemoServices> {
  const server = await startBlobServer({ store: new LocalBlobStore(blobsDir) });
  const store = roles.openStore(server.url);
  const posted = new Map<string, Posted[]>();
  const daemons = await Promise.all(
    custodians.map((custodian, index) =>
      startCustodianDaemon({
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
      }),
    ),
  );
  const allDelivered = async (count: number): Promise<boolean> => {
    for (const daemon of daemons) {
      const health = (await (await fetch(`${daemon.url}/health`)).json()) as { requests: { delivered: number } };
      if (health.requests.delivered < count) return false;
    }
    return true;
  };
  return {
    storeUrl: server.url,
    custodianUrls: daemons.map((d) => d.url),
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
      for (const daemon of daemons) await daemon.close();
      await server.close();
    },
  };
}
