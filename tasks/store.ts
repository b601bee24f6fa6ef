/** Blob store task: serve a local directory over HTTP, for the roles of a public deployment to share. */
import path from "node:path";
import { task, types } from "hardhat/config";

import { DEFAULT_STORE, action, note } from "./common";

interface ServeArgs {
  dir?: string;
  host: string;
  port: number;
}

task(
  "store:serve",
  "Runs the reference HTTP blob store (content-addressed: PUT /<hash> is refused unless the body has that hash; GET, HEAD) over a directory until stopped. It has no authentication: expose it only behind a proxy that authenticates writes",
)
  .addOptionalParam("dir", `Directory holding the blobs (default: ${DEFAULT_STORE})`, undefined, types.string)
  .addOptionalParam("host", "Interface to listen on", "127.0.0.1", types.string)
  .addOptionalParam("port", "Port (0: any free port)", 8787, types.int)
  .setAction(
    action<ServeArgs>(async (args, hre) => {
      const { LocalBlobStore, startBlobServer } = await import("../src/store");
      const dir = path.resolve(args.dir ?? path.join(hre.config.paths.root, DEFAULT_STORE));
      const server = await startBlobServer({ store: new LocalBlobStore(dir), host: args.host, port: args.port });
      // The first stdout line is the URL, so scripts can read it.
      console.log(server.url);
      note(`serving ${dir}; stop with Ctrl-C`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    }),
  );
