/** Blob store task: serve a local directory over HTTP, for the roles of a public deployment to share. */
import path from "node:path";
import { task, types } from "hardhat/config";

import { configVar } from "./accounts";
import { DEFAULT_STORE, STORE_TOKEN_VAR, action, note } from "./common";

interface ServeArgs {
  dir?: string;
  host: string;
  port: number;
  maxBytes?: number;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

task(
  "store:serve",
  `Runs the blob store service (content-addressed: PUT /<hash> is refused unless the body has that hash; GET, HEAD and /health open) over a directory until stopped. Writes need the bearer token in ${STORE_TOKEN_VAR}; without it writes are open, which is allowed on a loopback interface only`,
)
  .addOptionalParam("dir", `Directory holding the blobs (default: ${DEFAULT_STORE})`, undefined, types.string)
  .addOptionalParam("host", "Interface to listen on", "127.0.0.1", types.string)
  .addOptionalParam("port", "Port (0: any free port)", 8787, types.int)
  .addOptionalParam("maxBytes", "Largest blob accepted, in bytes (default 512 MiB)", undefined, types.int)
  .setAction(
    action<ServeArgs>(async (args, hre) => {
      const { BlobStoreError, LocalBlobStore, startBlobServer } = await import("../src/store");
      const { startStoreService } = await import("../services/store/service");
      const dir = path.resolve(args.dir ?? path.join(hre.config.paths.root, DEFAULT_STORE));
      const token = configVar(STORE_TOKEN_VAR);
      // JSON log lines go to stderr: the first stdout line stays the URL, for scripts to read.
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      let server: { url: string; close(): Promise<void> };
      if (token !== undefined) {
        server = await startStoreService({
          dir,
          token,
          host: args.host,
          port: args.port,
          maxBlobBytes: args.maxBytes,
          log,
        });
      } else if (LOOPBACK.has(args.host)) {
        server = await startBlobServer({
          store: new LocalBlobStore(dir),
          host: args.host,
          port: args.port,
          maxBlobBytes: args.maxBytes,
          log: (entry) => log(JSON.stringify({ time: new Date().toISOString(), service: "store", ...entry })),
        });
      } else {
        throw new BlobStoreError(
          "INVALID_CONFIG",
          `Serving on ${args.host} needs a write token: set ${STORE_TOKEN_VAR} (npx hardhat vars set ${STORE_TOKEN_VAR}, or the environment variable), and give it to every writer.`,
        );
      }
      console.log(server.url);
      note(
        `serving ${dir} (${token === undefined ? "open writes: loopback only" : "writes need the token"}); stop with Ctrl-C`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    }),
  );
