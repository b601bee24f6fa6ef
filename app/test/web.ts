/**
 * `npm run test:web`: the member app in a real browser against a local chain. Starts a Hardhat node on a
 * free loopback port (own process group), deploys DataCoopLocal with Ignition, seeds a contribution,
 * requests and a proposal (seed.cts), builds the app and serves it with `vite preview`, then drives
 * Debian's Chromium (playwright-core; `/usr/bin/chromium` or CHROME_PATH) as a member: change consent,
 * object to a request, vote on a proposal, claim after a delivery. Each action is checked against the
 * chain with viem reads. Screenshots of every page go to docs/app/. Everything it starts is stopped.
 *
 * Needs `npx hardhat compile` first (the package's generated ABIs); `npm test` compiles before it runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { strFromU8, unzipSync } from "fflate";
import { type Page, type Request, chromium } from "playwright-core";
import { type Address, createPublicClient, defineChain, erc20Abi, http } from "viem";

import { DATACOOP_ABIS } from "../../src/abi";
import { deploymentFromIgnition } from "../../src/deployments/ignition";
import { type DataCoop, scoreExportFor } from "../../src/roles";
import { buildSyntheticExport } from "../../test/support/export/generator";
import { PURPOSE_ID } from "../../src/protocol/constants";
import { background, freePort, run, stopAll, waitFor } from "./processes";
import { MEMBER, seed } from "./seed";

const REPO = path.resolve(__dirname, "..", "..");
const APP = path.join(REPO, "app");
const SHOTS = path.join(REPO, "docs", "app");
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

function chromePath(): string {
  const candidate = process.env.CHROME_PATH ?? "/usr/bin/chromium";
  if (!existsSync(candidate)) {
    throw new Error(`No Chromium at ${candidate}: install it (apt-get install -y chromium) or set CHROME_PATH.`);
  }
  return candidate;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "datacoop-web-"));
  const nodePort = await freePort();
  const rpcUrl = `http://127.0.0.1:${nodePort}`;
  const deploymentId = `web-test-${nodePort}`;
  const deploymentDir = path.join(REPO, "deploy", "deployments", deploymentId);
  const executablePath = chromePath();
  try {
    step(`start a Hardhat node on ${rpcUrl}`);
    const node = background(
      path.join(work, "node.log"),
      "npx",
      ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(nodePort)],
      {
        cwd: REPO,
      },
    );
    const chain = defineChain({
      id: 31337,
      name: "local",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    const pub = createPublicClient({ chain, transport: http(rpcUrl) });
    await waitFor("the node", async () => node.exitCode === null && (await pub.getChainId()) === 31337, 60_000);

    step("deploy DataCoopLocal with Ignition; build the app (in parallel)");
    const parameters = path.join(REPO, "deploy", "parameters", "localhost.json");
    const local = JSON.parse(readFileSync(parameters, "utf8")) as Record<string, Record<string, unknown>>;
    const env = { LOCALHOST_RPC_URL: rpcUrl, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "1" };
    await Promise.all([
      run(
        path.join(work, "deploy.log"),
        "npx",
        [
          "hardhat",
          "ignition",
          "deploy",
          "deploy/modules/DataCoopLocal.ts",
          "--network",
          "localhost",
          "--parameters",
          parameters,
          "--deployment-id",
          deploymentId,
        ],
        { cwd: REPO, env },
      ),
      run(path.join(work, "build.log"), "npx", ["vite", "build", "--logLevel", "warn"], { cwd: APP }),
    ]);
    const addressesFile = path.join(deploymentDir, "deployed_addresses.json");
    const deployed = JSON.parse(readFileSync(addressesFile, "utf8")) as Record<string, string>;
    const { contracts } = deploymentFromIgnition(deployed, 31337);

    step("seed: a contribution, standing terms, a delivered and an open request, an active proposal");
    const seeded = await seed(rpcUrl, deployed);

    const appPort = await freePort();
    const appUrl = `http://127.0.0.1:${appPort}`;
    step(`serve the app on ${appUrl}`);
    background(path.join(work, "preview.log"), "npx", ["vite", "preview", "--port", String(appPort), "--strictPort"], {
      cwd: APP,
      env: { DATACOOP_RPC_URL: rpcUrl, DATACOOP_DEPLOYMENT: addressesFile },
    });
    await waitFor("the app", async () => (await fetch(`${appUrl}/datacoop.json`)).ok, 30_000);

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
      const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
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
      await contributePage(page, shot, work, 31337, contracts.ContributionRegistry, {
        threshold: deployedSet.custodianThreshold,
        count: deployedSet.custodians.length,
      });

      if (pageErrors.length > 0) throw new Error(`the page threw: ${pageErrors.join("; ")}`);
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
    rmSync(deploymentDir, { recursive: true, force: true });
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
 * Contribute: a synthetic export is dropped, read, scored, refined and sealed for the custodian set in the
 * page's worker. The score must equal the validators' (scoreExportFor, with the deployment's salt), and no request the page makes while contributing
 * may carry the export's user id, email or text.
 */
async function contributePage(
  page: Page,
  shot: (name: string) => Promise<Buffer>,
  work: string,
  chainId: number,
  registry: Address,
  custodians: { readonly threshold: number; readonly count: number },
): Promise<void> {
  const userId = "user-WebTestMember0000000001";
  const zip = buildSyntheticExport({ seed: 515, userId, conversations: 12 });
  const file = path.join(work, "chatgpt-export.zip");
  writeFileSync(file, zip);
  // What validators attest: the reader's quality, units = refined messages (scoreExportFor reads only the
  // registry's address, for the deployment's salt).
  const expected = scoreExportFor({ chainId: BigInt(chainId), addresses: { registry } as DataCoop["addresses"] }, zip);
  // Secrets to look for in every request: the user id, the email, and the text of a few messages.
  const secrets = [userId, "synthetic.user@example.org", ...sampleTexts(zip)];

  const bodies: { url: string; body: Buffer }[] = [];
  const record = (request: Request) =>
    bodies.push({ url: request.url(), body: request.postDataBuffer() ?? Buffer.alloc(0) });
  page.on("request", record);
  await page.getByRole("link", { name: "Contribute" }).click();
  await page.getByLabel("ChatGPT export (.zip): drop it here or choose it").setInputFiles(file);
  await page.getByTestId("units").getByText(String(expected.units), { exact: true }).waitFor();
  await page
    .getByTestId("quality")
    .getByText(`${(expected.quality / 100).toFixed(2)}%`)
    .waitFor();
  check(`export scored in the browser's worker as in Node: ${expected.units} units, quality ${expected.quality} bps`);
  await page.getByLabel("Do not train AI on my data").waitFor();
  await shot("contribute");
  await page.getByRole("button", { name: "Encrypt in this browser" }).click();
  const hash = await page.getByTestId("content-hash").innerText();
  if (!/^0x[0-9a-f]{64}$/.test(hash)) throw new Error(`the content hash shown is ${hash}`);
  // Sealed for the deployed custodian set (deploy/parameters/localhost.json: 2-of-3, version 1).
  const custody = await page.getByTestId("custody").innerText();
  if (!custody.includes(`split ${custodians.threshold}-of-${custodians.count}`) || !custody.includes("set version 1"))
    throw new Error(`the seal was not made for the on-chain custodian set: ${custody}`);
  check(
    `encrypted in the browser (content hash ${hash.slice(0, 10)}…), key split ${custodians.threshold}-of-${custodians.count}`,
  );
  page.off("request", record);

  const leaks = bodies.filter(
    ({ body }) => secrets.some((secret) => body.includes(secret)) || body.includes(Buffer.from(zip.subarray(0, 64))),
  );
  if (leaks.length > 0) throw new Error(`plaintext left the page in: ${leaks.map((l) => l.url).join(", ")}`);
  check(`${bodies.length} requests while contributing, none with the user id, email, message text or export bytes`);
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
