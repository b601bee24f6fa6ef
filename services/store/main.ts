/**
 * Runs the blob store service until SIGINT or SIGTERM:
 *
 *   DATACOOP_STORE_TOKEN=$(openssl rand -hex 32) npx ts-node services/store/main.ts
 *
 * Settings are environment variables (see `storeServiceOptionsFromEnv` in `service.ts`); the token is
 * never read from a file in the repository. Output: JSON log lines, the first one `listening` with the URL.
 */
import { BlobStoreError } from "../../src/store";
import { startStoreService, storeServiceOptionsFromEnv } from "./service";

async function main(): Promise<void> {
  const service = await startStoreService(storeServiceOptionsFromEnv(process.env));
  await new Promise<void>((resolve) => {
    const stop = (): void => void service.close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    // A configuration error is the operator's to fix: its message, no stack.
    console.error(error instanceof BlobStoreError ? error.message : error);
    process.exitCode = 1;
  });
}
