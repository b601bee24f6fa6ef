/** Connect a wallet: any injected EIP-1193 wallet, or (local chain only) a development account. */
import { useState } from "react";
import { useAccount, useConnect, useDisconnect } from "wagmi";

import { useChain } from "../lib/chain";
import { LOCAL_CHAIN_ID } from "../lib/config";
import { short } from "../lib/format";
import { localChain } from "./wagmi";
import { DEV_ACCOUNT_INDEXES, DEV_CONNECTOR_ID, devAccount, devConnector } from "./devConnector";

export function WalletBar() {
  const { runtime, deployment, chainId } = useChain();
  const { address, connector, status } = useAccount();
  const { connect, connectors, error } = useConnect();
  const { disconnect } = useDisconnect();
  const [index, setIndex] = useState(1);
  const injected = connectors.find((c) => c.type === "injected");
  const hasInjected = typeof window !== "undefined" && "ethereum" in window;

  return (
    <div className="wallet" aria-label="Wallet">
      {address ? (
        <>
          <span>
            Connected: <code title={address}>{short(address)}</code>
            {connector?.type === DEV_CONNECTOR_ID && (
              <strong className="local-only"> (local development account)</strong>
            )}
          </span>
          <button type="button" onClick={() => disconnect()}>
            Disconnect
          </button>
        </>
      ) : (
        <>
          {hasInjected && injected && (
            <button type="button" onClick={() => connect({ connector: injected })}>
              Connect browser wallet
            </button>
          )}
          <fieldset className="local-only">
            <legend>Local chain only: development accounts (their keys are public: never for real funds)</legend>
            <label htmlFor="dev-account">Account</label>
            <select id="dev-account" value={index} onChange={(e) => setIndex(Number(e.target.value))}>
              {DEV_ACCOUNT_INDEXES.map((i) => (
                <option key={i} value={i}>
                  #{i} {short(devAccount(i).address)}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() => connect({ connector: devConnector(localChain(runtime.rpcUrl), index) })}
            >
              Use development account
            </button>
          </fieldset>
        </>
      )}
      {status === "connected" && !deployment && (
        <p role="alert" className="error">
          {chainId === LOCAL_CHAIN_ID
            ? "No local deployment found: start `npm run stack` (or deploy with Ignition) and reload."
            : `Wrong network: DataCoop is not deployed on chain ${chainId}. Switch your wallet to a network DataCoop runs on.`}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error.name === "UserRejectedRequestError" ? "You declined the connection in your wallet." : error.message}
        </p>
      )}
    </div>
  );
}
