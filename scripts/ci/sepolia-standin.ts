/**
 * Helpers of `npm run smoke:testnet` that talk to the Sepolia stand-in node directly (JSON-RPC, no Hardhat):
 *
 *   sepolia-standin.ts keys <keys.json>                       fresh keys, one per role
 *   sepolia-standin.ts setup <rpc> <keys.json> <params.json>  fund the roles, place a 6-decimal mock USDC at
 *                                                            the preset address, mint the buyer's USDC, and
 *                                                            write the shipped sepolia.json filled in
 *   sepolia-standin.ts gas <rpc> <keys.json>                  the deployer's total gas; fails above DEPLOYMENT_GAS
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Contract, JsonRpcProvider, SigningKey, Wallet, formatEther, parseUnits, toBeHex, toUtf8Bytes } from "ethers";

const ROLES = [
  "deployer",
  "validator1",
  "validator2",
  "custodian",
  "custodian2",
  "custodian3",
  "contributor",
  "buyer",
  "holder",
] as const;
type Keys = Record<(typeof ROLES)[number], { privateKey: string; address: string }>;

function readKeys(file: string): Keys {
  return JSON.parse(readFileSync(file, "utf8")) as Keys;
}

/** A Solidity short string (< 32 bytes) as its storage slot holds it: the bytes, then length × 2. */
function shortStringSlot(text: string): string {
  const bytes = toUtf8Bytes(text);
  const slot = new Uint8Array(32);
  slot.set(bytes);
  slot[31] = bytes.length * 2;
  return toBeHex(BigInt(`0x${Buffer.from(slot).toString("hex")}`), 32);
}

async function setup(rpc: string, keysFile: string, out: string): Promise<void> {
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, pollingInterval: 250 });
  const keys = readKeys(keysFile);
  for (const role of ROLES) {
    await provider.send("hardhat_setBalance", [keys[role].address, toBeHex(10n ** 19n)]);
  }
  const shipped = JSON.parse(readFileSync("deploy/parameters/sepolia.json", "utf8")) as {
    DataCoop: Record<string, unknown>;
  };
  const usdcAddress = String(shipped.DataCoop.settlementToken);
  const artifact = JSON.parse(readFileSync("artifacts/contracts/mocks/MockUSDC.sol/MockUSDC.json", "utf8")) as {
    abi: [];
    deployedBytecode: string;
  };
  // The constructor does not run for hardhat_setCode: write OpenZeppelin ERC20's _name and _symbol slots.
  await provider.send("hardhat_setCode", [usdcAddress, artifact.deployedBytecode]);
  await provider.send("hardhat_setStorageAt", [usdcAddress, toBeHex(3, 32), shortStringSlot("USDC")]);
  await provider.send("hardhat_setStorageAt", [usdcAddress, toBeHex(4, 32), shortStringSlot("USDC")]);
  const usdc = new Contract(usdcAddress, artifact.abi, new Wallet(keys.buyer.privateKey, provider));
  const mint = usdc.getFunction("mint");
  await (await mint(keys.buyer.address, parseUnits("1000", 6))).wait();

  const filled = {
    DataCoop: {
      ...shipped.DataCoop,
      validators: [keys.validator1.address, keys.validator2.address],
      attestationThreshold: 2,
      // 2-of-3 custody, as the shipped file asks for.
      custodians: [keys.custodian.address, keys.custodian2.address, keys.custodian3.address],
      custodianPublicKeys: [keys.custodian, keys.custodian2, keys.custodian3].map((c) =>
        SigningKey.computePublicKey(c.privateKey, true),
      ),
      custodianThreshold: 2,
      treasury: "0x0000000000000000000000000000000000000000",
      initialHolder: keys.holder.address,
      initialSupply: `${1_000_000n * 10n ** 18n}n`,
    },
  };
  writeFileSync(out, `${JSON.stringify(filled, null, 2)}\n`);
}

async function gas(rpc: string, keysFile: string): Promise<void> {
  const { DEPLOYMENT_GAS } = await import("../../deploy/preflight");
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
  const deployer = readKeys(keysFile).deployer.address.toLowerCase();
  let total = 0n;
  let count = 0;
  const latest = await provider.getBlockNumber();
  for (let n = 0; n <= latest; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== deployer) continue;
      total += (await provider.getTransactionReceipt(tx.hash))?.gasUsed ?? 0n;
      count++;
    }
  }
  console.log(
    `deployment: ${count} transactions, ${total.toLocaleString("en-US")} gas = ${formatEther(total * 10n ** 9n)} ETH at 1 gwei`,
  );
  if (total > DEPLOYMENT_GAS) {
    throw new Error(
      `the deployment used ${total} gas, above DEPLOYMENT_GAS (${DEPLOYMENT_GAS}) in deploy/preflight.ts`,
    );
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "keys" && rest.length === 1) {
    const keys = Object.fromEntries(
      ROLES.map((role) => {
        const wallet = Wallet.createRandom();
        return [role, { privateKey: wallet.privateKey, address: wallet.address }];
      }),
    );
    writeFileSync(rest[0], JSON.stringify(keys, null, 2), { mode: 0o600 });
  } else if (command === "setup" && rest.length === 3) {
    await setup(rest[0], rest[1], rest[2]);
  } else if (command === "gas" && rest.length === 2) {
    await gas(rest[0], rest[1]);
  } else {
    throw new Error(
      "usage: sepolia-standin.ts keys <keys.json> | setup <rpc> <keys.json> <params.json> | gas <rpc> <keys.json>",
    );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
