/**
 * LOCAL CHAINS ONLY. A wagmi connector that signs with one of Hardhat's well-known development accounts
 * (mnemonic `test test ... junk`, public knowledge: anyone can spend from them), so the app is usable
 * against `npm run stack` without a browser extension. It refuses every chain but 31337.
 */
import { type Address, type Chain, createWalletClient, http } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { createConnector } from "wagmi";

import { LOCAL_CHAIN_ID } from "../lib/config";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Accounts 1–13: the free ones (0 deploys; 14–16 are the custodians, 17–19 the validators). */
export const DEV_ACCOUNT_INDEXES = Array.from({ length: 13 }, (_, i) => i + 1);

const cache = new Map<number, HDAccount>();
/** Hardhat's development account `index` (derived once, then cached). */
export function devAccount(index: number): HDAccount {
  let account = cache.get(index);
  if (account === undefined) {
    account = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
    cache.set(index, account);
  }
  return account;
}

export const DEV_CONNECTOR_ID = "datacoop-dev";

/** The connector of development account `index` on `chain` (which must be the local chain). */
export function devConnector(chain: Chain, index: number) {
  if (chain.id !== LOCAL_CHAIN_ID) throw new Error("Development accounts exist only on the local chain 31337.");
  const account = devAccount(index);
  const client = createWalletClient({ account, chain, transport: http(chain.rpcUrls.default.http[0]) });
  let connected = false;
  return createConnector(() => ({
    id: `${DEV_CONNECTOR_ID}-${index}`,
    name: `Local development account #${index}`,
    type: DEV_CONNECTOR_ID,
    async connect<withCapabilities extends boolean = false>(_parameters?: {
      chainId?: number;
      isReconnecting?: boolean;
      withCapabilities?: withCapabilities | boolean;
    }) {
      connected = true;
      // Development accounts have no wallet capabilities: the list is the same either way.
      type Accounts = withCapabilities extends true
        ? readonly { address: Address; capabilities: Record<string, unknown> }[]
        : readonly Address[];
      return { accounts: [account.address] as unknown as Accounts, chainId: chain.id };
    },
    async disconnect() {
      connected = false;
    },
    async getAccounts(): Promise<readonly Address[]> {
      return connected ? [account.address] : [];
    },
    async getChainId() {
      return chain.id;
    },
    async getProvider() {
      return client;
    },
    // Transactions are signed here with the local key and sent raw: no node-side unlocked accounts needed.
    async getClient() {
      return client;
    },
    async isAuthorized() {
      return connected;
    },
    onAccountsChanged() {},
    onChainChanged() {},
    onDisconnect() {
      connected = false;
    },
  }));
}
