/**
 * `npm run test:web`: the member app in a real browser against a local chain. Starts a Hardhat node on a
 * free loopback port (own process group), deploys DataCoopLocal with Ignition, seeds a contribution,
 * requests and a proposal (seed.ts), starts a blob store and two validator services in this process (open to
 * the app's origin: CORS, members' uploads without the store's token), builds the app and serves it with
 * `vite preview`, then drives Debian's Chromium (playwright-core; `/usr/bin/chromium` or CHROME_PATH) as a
 * member: change consent, object to a request, vote on a proposal, claim after a delivery, contribute an
 * export end to end and replace it with a newer one. Each action is checked against the chain with viem
 * reads. Everything it starts is stopped.
 *
 * Screenshots of every page go to cache/web-screenshots/ (git-ignored), or to the directory
 * DATACOOP_WEB_SCREENSHOTS names: `npm run app:screenshots` sets it to docs/app to refresh the README's
 * pictures. Any other run checks at the end that it left docs/app/*.png as they were, so `npm test` leaves a
 * clean tree clean (each run's PNGs differ in a few bytes: addresses, times).
 *
 * Needs `npx hardhat compile` first (the package's generated ABIs); `npm test` compiles before it runs.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { HDNodeWallet, JsonRpcProvider } from "ethers";
import { strFromU8, unzipSync } from "fflate";
import { type BrowserContext, type Page, type Request, chromium } from "playwright-core";
import { type Address, type Hex, createPublicClient, defineChain, erc20Abi, http } from "viem";

import { DATACOOP_ABIS } from "../../src/abi";
import { deploymentFromIgnition } from "../../src/deployments/ignition";
import { startStoreService } from "../../services/store/service";
import { startValidatorService } from "../../services/validator/service";
import { CONTRIBUTION_STATUS } from "../../src/protocol/constants";
import { connectDataCoop, type DataCoop, scoreExportFor } from "../../src/roles";
import { HttpBlobStore } from "../../src/store";
import { buildSyntheticExport } from "../../test/support/export/generator";
import { PURPOSE_ID } from "../../src/protocol/constants";
import { localDeployCommand } from "../../scripts/stack";
import { atExit, background, freePort, run, stopAll, waitFor } from "./processes";
import { MEMBER, seed } from "./seed";

const REPO = path.resolve(__dirname, "..", "..");
const APP = path.join(REPO, "app");
/** The committed screenshots, linked from the README. */
const DOCS_SHOTS = path.join(REPO, "docs", "app");
const SHOTS = path.resolve(REPO, process.env.DATACOOP_WEB_SCREENSHOTS ?? path.join("cache", "web-screenshots"));
const BUDGET_MS = 240_000;
const CHROME_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const started = Date.now();
let passed = 0;
function step(message: string) {
  console.log(`web [${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}
function check(what: string) {
  passed += 1;
  step(`ok: ${what}`);
}

/** Each PNG of `dir` with its modification time and content hash: what "left as they were" compares. */
function pngs(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith(".png"))
    .sort()) {
    const file = path.join(dir, name);
    const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
    found.set(name, `${statSync(file).mtimeMs} ${digest}`);
  }
  return found;
}

/** Fails if a run that was not asked to refresh docs/app wrote there (`before` is `pngs(DOCS_SHOTS)` at start). */
function checkDocsUntouched(before: Map<string, string>): void {
  if (SHOTS === DOCS_SHOTS) return;
  const after = pngs(DOCS_SHOTS);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((n) => before.get(n) !== after.get(n));
  if (changed.length > 0) {
    throw new Error(
      `docs/app changed (${changed.join(", ")}) though screenshots go to ${path.relative(REPO, SHOTS)}; only npm run app:screenshots writes docs/app`,
    );
  }
  check(`screenshots in ${path.relative(REPO, SHOTS)}, docs/app/*.png untouched`);
}

function chromePath(): string {
  const candidate = process.env.CHROME_PATH ?? "/usr/bin/chromium";
  if (!existsSync(candidate)) {
    throw new Error(`No Chromium at ${candidate}: install it (apt-get install -y chromium) or set CHROME_PATH.`);
  }
  return candidate;
}

/** Hardhat's public test mnemonic: the local node's accounts (validators' keys in this test only). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** A running local stack: chain, deployment, seed, blob store, validators, and the app served against them. */
interface LocalStack {
  readonly rpcUrl: string;
  readonly appUrl: string;
  readonly deployed: Record<string, string>;
  readonly contracts: ReturnType<typeof deploymentFromIgnition>["contracts"];
  readonly seeded: Awaited<ReturnType<typeof seed>>;
  readonly storeUrl: string;
  readonly validators: readonly string[];
}

/**
 * Starts everything the browser talks to, on free loopback ports (the one place that knows how; stopped by
 * `stopAll`): a Hardhat node, DataCoopLocal deployed with Ignition (the app built meanwhile), the seed, a
 * blob store and two validator services in this process, both open to the app's origin, and `vite preview`.
 */
async function startLocalStack(work: string, deploymentDir: (id: string) => string): Promise<LocalStack> {
  const nodePort = await freePort();
  const rpcUrl = `http://127.0.0.1:${nodePort}`;
  const deploymentId = `web-test-${nodePort}`;
  const addressesFile = path.join(deploymentDir(deploymentId), "deployed_addresses.json");
  step(`start a Hardhat node on ${rpcUrl}`);
  const node = background(
    path.join(work, "node.log"),
    "npx",
    ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(nodePort)],
    { cwd: REPO },
  );
  const pub = createPublicClient({ transport: http(rpcUrl) });
  await waitFor("the node", async () => node.exitCode === null && (await pub.getChainId()) === 31337, 60_000);

  step("deploy DataCoopLocal with Ignition; build the app (in parallel)");
  const parameters = path.join(REPO, "deploy", "parameters", "localhost.json");
  const deploy = localDeployCommand(rpcUrl, parameters, deploymentId);
  await Promise.all([
    run(path.join(work, "deploy.log"), "npx", deploy.args, { cwd: REPO, env: deploy.env }),
    run(path.join(work, "build.log"), "npx", ["vite", "build", "--logLevel", "warn"], { cwd: APP }),
  ]);
  const deployed = JSON.parse(readFileSync(addressesFile, "utf8")) as Record<string, string>;
  const { contracts } = deploymentFromIgnition(deployed, 31337);

  step("seed: a contribution, standing terms, a delivered and an open request, an active proposal");
  const seeded = await seed(rpcUrl, deployed);

  // The app's origin is fixed first: the store and the validators allow exactly it (CORS).
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  step("start a blob store (members' uploads without its token) and two validator services, open to the app");
  const store = await startStoreService({
    dir: path.join(work, "blobs"),
    token: `web-test-${"0".repeat(32)}`,
    publicWrites: { maxBlobBytes: 16 * 1024 * 1024 },
    allowedOrigins: [appUrl],
    log: () => undefined,
  });
  atExit(() => store.close());
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, polling: true, pollingInterval: 250 });
  atExit(async () => provider.destroy());
  const system = await connectDataCoop(
    { registry: contracts.ContributionRegistry, escrow: contracts.AccessEscrow, governor: contracts.CoopGovernor },
    provider,
  );
  const named = (JSON.parse(readFileSync(parameters, "utf8")) as { DataCoopLocal: { validators: string[] } })
    .DataCoopLocal.validators;
  const root = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, "", "m/44'/60'/0'/0");
  const wallets = Array.from({ length: 20 }, (_, i) => root.deriveChild(i).connect(provider));
  const validators: string[] = [];
  // One after the other: each publishes its key in a transaction of its own at start.
  for (const account of named.slice(0, 2)) {
    const wallet = wallets.find((w) => w.address.toLowerCase() === account.toLowerCase());
    if (wallet === undefined) throw new Error(`validator ${account} is not a local node account`);
    const service = await startValidatorService({
      system,
      validator: wallet,
      store: new HttpBlobStore(store.url),
      workers: 1,
      allowedOrigins: [appUrl],
      log: () => undefined,
    });
    atExit(() => service.close());
    validators.push(service.url);
  }

  step(`serve the app on ${appUrl}`);
  background(path.join(work, "preview.log"), "npx", ["vite", "preview", "--port", String(appPort), "--strictPort"], {
    cwd: APP,
    env: {
      DATACOOP_RPC_URL: rpcUrl,
      DATACOOP_DEPLOYMENT: addressesFile,
      DATACOOP_STORE_URL: store.url,
      DATACOOP_VALIDATORS: validators.join(","),
    },
  });
  await waitFor("the app", async () => (await fetch(`${appUrl}/datacoop.json`)).ok, 30_000);
  return { rpcUrl, appUrl, deployed, contracts, seeded, storeUrl: store.url, validators };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "datacoop-web-"));
  const deploymentDirs: string[] = [];
  const deploymentDir = (id: string) => {
    const dir = path.join(REPO, "deploy", "deployments", id);
    deploymentDirs.push(dir);
    return dir;
  };
  const executablePath = chromePath();
  const docsBefore = pngs(DOCS_SHOTS);
  mkdirSync(SHOTS, { recursive: true });
  try {
    const { rpcUrl, appUrl, contracts, seeded } = await startLocalStack(work, deploymentDir);
    const pub = createPublicClient({
      chain: defineChain({
        id: 31337,
        name: "local",
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } },
      }),
      transport: http(rpcUrl),
    });
    const parameters = path.join(REPO, "deploy", "parameters", "localhost.json");
    const local = JSON.parse(readFileSync(parameters, "utf8")) as Record<string, Record<string, unknown>>;

    step("launch Chromium");
    const profile = path.join(work, "profile");
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROME_FLAGS,
      viewport: { width: 1100, height: 760 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(20_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      const shot = (name: string, fullPage = false) =>
        page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
      const read = pub.readContract.bind(pub);

      await page.goto(`${appUrl}/#data`);
      await page.getByLabel("Account").selectOption(String(MEMBER));
      await page.getByRole("button", { name: "Use development account" }).click();
      await page.getByText("(local development account)").waitFor();
      check("connected with local development account #1");

      // My data: add COMMERCIAL to the contribution's consent.
      const row = page.locator(`tr[data-content-hash="${seeded.contentHash}"]`);
      await row.getByText("Active").waitFor();
      await shot("my-data");
      await row.getByRole("button", { name: "Change consent" }).click();
      await page.getByLabel("Commercial products").check();
      await page.getByRole("button", { name: "Save consent" }).click();
      const commercial = 1 << PURPOSE_ID.COMMERCIAL;
      await waitFor(
        "the consent change on chain",
        async () =>
          ((await read({
            address: contracts.ContributionRegistry,
            abi: DATACOOP_ABIS.ContributionRegistry,
            functionName: "pendingPurposes",
            args: [seeded.contentHash],
          })) &
            commercial) !==
          0,
        20_000,
      );
      await row.getByText("Commercial products").waitFor();
      check("consent change: COMMERCIAL pending on chain until the next epoch, shown as pending");

      // Access requests: object to the open one.
      await page.getByRole("link", { name: "Access requests" }).click();
      const request = page.locator(`tr[data-request-id="${seeded.objectRequestId}"]`);
      await request.getByText("closes in").waitFor();
      await shot("access-requests");
      await request.getByRole("button", { name: `Object to request ${seeded.objectRequestId}` }).click();
      await waitFor(
        "the objection on chain",
        () =>
          read({
            address: contracts.AccessEscrow,
            abi: DATACOOP_ABIS.AccessEscrow,
            functionName: "hasObjected",
            args: [seeded.objectRequestId, seeded.member],
          }),
        20_000,
      );
      const [objections] = await read({
        address: contracts.AccessEscrow,
        abi: DATACOOP_ABIS.AccessEscrow,
        functionName: "objections",
        args: [seeded.objectRequestId],
      });
      if (objections === 0n) throw new Error("the objection carried no votes");
      await request.getByRole("button", { name: `You objected to request ${seeded.objectRequestId}` }).waitFor();
      check(`objection to request #${seeded.objectRequestId} on chain with ${objections} votes`);

      // Governance: vote for the proposal.
      await page.getByRole("link", { name: "Governance" }).click();
      const proposal = page.locator(`article[data-proposal-id="${seeded.proposalId}"]`);
      await proposal.getByText("Active").waitFor();
      await shot("governance");
      await proposal.getByRole("button", { name: "Vote for" }).click();
      await waitFor(
        "the vote on chain",
        () =>
          read({
            address: contracts.CoopGovernor,
            abi: DATACOOP_ABIS.CoopGovernor,
            functionName: "hasVoted",
            args: [seeded.proposalId, seeded.member],
          }),
        20_000,
      );
      const [, forVotes] = await read({
        address: contracts.CoopGovernor,
        abi: DATACOOP_ABIS.CoopGovernor,
        functionName: "proposalVotes",
        args: [seeded.proposalId],
      });
      if (forVotes === 0n) throw new Error("the vote counted no votes for");
      await proposal.getByText("You have voted.").waitFor();
      check(`vote for proposal on chain (${forVotes} votes for)`);

      // Earnings: claim what the delivery paid.
      await page.getByRole("link", { name: "Earnings" }).click();
      const before = await balance(pub, seeded.usdc, seeded.member);
      const owed = await read({
        address: contracts.RevenueDistributor,
        abi: DATACOOP_ABIS.RevenueDistributor,
        functionName: "claimable",
        args: [seeded.member],
      });
      if (owed === 0n) throw new Error("the delivery left the member nothing to claim");
      await page.getByRole("button", { name: /^Claim / }).waitFor();
      await shot("earnings");
      await page.getByRole("button", { name: /^Claim / }).click();
      await waitFor(
        "the claim on chain",
        async () => (await balance(pub, seeded.usdc, seeded.member)) === before + owed,
        20_000,
      );
      const left = await read({
        address: contracts.RevenueDistributor,
        abi: DATACOOP_ABIS.RevenueDistributor,
        functionName: "claimable",
        args: [seeded.member],
      });
      if (left !== 0n) throw new Error(`claimable after the claim is ${left}, not 0`);
      check(`claim after delivery: ${owed} settlement units paid to the member`);

      // The set the deployment appointed (version 1), as the parameters name it.
      const deployedSet = local.DataCoopLocal as { custodians: unknown[]; custodianThreshold: number };
      await contributePage(
        page,
        context,
        shot,
        work,
        { chainId: 31337, contracts, member: seeded.member, read },
        { threshold: deployedSet.custodianThreshold, count: deployedSet.custodians.length },
      );

      if (pageErrors.length > 0) throw new Error(`the page threw: ${pageErrors.join("; ")}`);
      checkDocsUntouched(docsBefore);
    } catch (error) {
      // What the member saw when it failed, to tell a UI bug from a chain one.
      const page = context.pages()[0];
      if (page)
        console.error(
          `web: the page showed:\n${await page
            .locator("body")
            .innerText()
            .catch(() => "")}`,
        );
      throw error;
    } finally {
      await context.close();
    }
  } finally {
    await stopAll();
    for (const dir of deploymentDirs) rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

async function balance(
  pub: { readContract: ReturnType<typeof createPublicClient>["readContract"] },
  token: Address,
  who: Address,
) {
  return pub.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
}

/**
 * Contribute end to end: a synthetic export is dropped, read, scored and refined in the page's worker (the
 * score must equal the validators', scoreExportFor with the deployment's salt), then encrypted for the
 * custodian set, uploaded to the blob store, attested by the validators over HTTP and registered with one
 * wallet transaction; checked on chain (owner, units, consent). Then My data's "Replace with a newer
 * export" registers a second export with the registry's `replace`. Every request the browser makes meanwhile
 * is recorded, and none may carry the export's user id, email, message text or raw bytes.
 */
async function contributePage(
  page: Page,
  context: BrowserContext,
  shot: (name: string, fullPage?: boolean) => Promise<Buffer>,
  work: string,
  chain: {
    readonly chainId: number;
    readonly contracts: LocalStack["contracts"];
    readonly member: Address;
    readonly read: ReturnType<typeof createPublicClient>["readContract"];
  },
  custodians: { readonly threshold: number; readonly count: number },
): Promise<void> {
  const { contracts, member, read } = chain;
  const registry = { address: contracts.ContributionRegistry, abi: DATACOOP_ABIS.ContributionRegistry } as const;
  const userId = "user-WebTestMember0000000001";
  const exports = [
    buildSyntheticExport({ seed: 515, userId, conversations: 12 }),
    buildSyntheticExport({ seed: 516, userId, conversations: 14 }),
  ];
  // Secrets to look for in every request: the user id, the email, and the text of a few messages.
  const secrets = [userId, "synthetic.user@example.org", ...exports.flatMap(sampleTexts)];
  const bodies: { method: string; url: string; body: Buffer }[] = [];
  const record = (request: Request) =>
    bodies.push({ method: request.method(), url: request.url(), body: request.postDataBuffer() ?? Buffer.alloc(0) });
  // The context sees the page's and its worker's requests alike.
  context.on("request", record);

  /** Drops export `i`, waits for the browser's score and checks it equals the validators'. */
  const dropExport = async (i: number) => {
    const file = path.join(work, `chatgpt-export-${i}.zip`);
    writeFileSync(file, exports[i]);
    // What validators attest: the reader's quality, units = refined messages (scoreExportFor reads only the
    // registry's address, for the deployment's salt).
    const expected = scoreExportFor(
      { chainId: BigInt(chain.chainId), addresses: { registry: registry.address } as DataCoop["addresses"] },
      exports[i],
    );
    await page.getByLabel("ChatGPT export (.zip): drop it here or choose it").setInputFiles(file);
    await page.getByTestId("units").getByText(String(expected.units), { exact: true }).waitFor();
    await page
      .getByTestId("quality")
      .getByText(`${(expected.quality / 100).toFixed(2)}%`)
      .waitFor();
    return expected;
  };
  /** Clicks `button`, waits for the registration and checks it on chain; returns the content hash. */
  const register = async (button: string, units: number, purposes: number) => {
    await page.getByRole("button", { name: button }).click();
    await page.getByTestId("registered").waitFor({ timeout: 60_000 });
    const hash = (await page.getByTestId("content-hash").innerText()) as Hex;
    if (!/^0x[0-9a-f]{64}$/.test(hash)) throw new Error(`the content hash shown is ${hash}`);
    const c = await read({ ...registry, functionName: "contribution", args: [hash] });
    if (c.owner !== member || c.units !== units || c.purposes !== purposes || c.status !== CONTRIBUTION_STATUS.Active)
      throw new Error(`contribution ${hash} on chain: ${JSON.stringify({ ...c, weight: String(c.weight) })}`);
    return hash;
  };

  await page.getByRole("link", { name: "Contribute" }).click();
  const first = await dropExport(0);
  check(`export scored in the browser's worker as in Node: ${first.units} units, quality ${first.quality} bps`);
  await page.getByLabel("Do not train AI on my data").waitFor();
  await page.getByLabel("Commercial products").check();
  const purposes = (1 << PURPOSE_ID.RESEARCH) | (1 << PURPOSE_ID.COMMERCIAL);
  await shot("contribute");
  const hash = await register("Contribute", first.units, purposes);
  const custody = await page.getByTestId("custody").innerText();
  if (!custody.includes(`split ${custodians.threshold}-of-${custodians.count}`) || !custody.includes("set version 1"))
    throw new Error(`the seal was not made for the on-chain custodian set: ${custody}`);
  await shot("contribute-registered", true);
  check(
    `contributed end to end (encrypted, uploaded, attested over HTTP, one transaction): ${hash.slice(0, 10)}… owned by the member, ${first.units} units, consent RESEARCH + COMMERCIAL, key split ${custodians.threshold}-of-${custodians.count}`,
  );

  // Replace it with a newer export of the same account, from My data.
  await page.getByRole("link", { name: "My data" }).click();
  await page
    .locator(`tr[data-content-hash="${hash}"]`)
    .getByRole("link", { name: /with a newer export$/ })
    .click();
  await page.getByTestId("replacing").waitFor();
  const second = await dropExport(1);
  const replacement = await register("Replace with this export", second.units, purposes);
  const old = await read({ ...registry, functionName: "contribution", args: [hash] });
  if (replacement === hash || old.status === CONTRIBUTION_STATUS.Active)
    throw new Error(`the replaced contribution is still ${old.status}`);
  check(`replaced ${hash.slice(0, 10)}… with a newer export (${replacement.slice(0, 10)}…, ${second.units} units)`);
  context.off("request", record);

  const zipHeads = exports.map((zip) => Buffer.from(zip.subarray(0, 64)));
  const leaks = bodies.filter(
    ({ body }) => secrets.some((secret) => body.includes(secret)) || zipHeads.some((head) => body.includes(head)),
  );
  if (leaks.length > 0) throw new Error(`plaintext left the browser in: ${leaks.map((l) => l.url).join(", ")}`);
  const uploads = bodies.filter((b) => b.method === "PUT").length;
  const attestations = bodies.filter((b) => b.method === "POST" && b.url.endsWith("/v1/attestations")).length;
  if (uploads < 4 || attestations < 4)
    throw new Error(
      `expected the uploads and attestation requests to be recorded: ${uploads} PUT, ${attestations} POST`,
    );
  check(
    `${bodies.length} requests while contributing (${uploads} uploads, ${attestations} attestation requests), none with the user id, email, message text or export bytes`,
  );
}

/** The text of a few user messages of the export (what must never leave the browser in the clear). */
function sampleTexts(zip: Uint8Array): string[] {
  const files = unzipSync(zip);
  const name = Object.keys(files).find((n) => /conversations(-\d+)?\.json$/.test(n));
  if (name === undefined) throw new Error("the synthetic export has no conversations file");
  const texts: string[] = [];
  JSON.stringify(JSON.parse(strFromU8(files[name]!)), (key, value: unknown) => {
    if (key === "parts" && Array.isArray(value)) {
      for (const part of value)
        if (typeof part === "string" && part.length > 24 && texts.length < 5) texts.push(part.slice(0, 24));
    }
    return value;
  });
  if (texts.length === 0) throw new Error("no message text found in the synthetic export");
  return texts;
}

const timer = setTimeout(() => {
  console.error(`web: FAILED: over the ${BUDGET_MS / 1000} s budget`);
  void stopAll().finally(() => process.exit(1));
}, BUDGET_MS);

main()
  .then(() => {
    clearTimeout(timer);
    step(`${passed} passed, 0 failed`);
  })
  .catch(async (error: unknown) => {
    clearTimeout(timer);
    console.error(`web: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAll();
    process.exit(1);
  });
