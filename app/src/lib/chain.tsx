/**
 * The chain the member is on, the DataCoop deployment there, and one way to send a transaction:
 * simulate (so a refusal is explained before the wallet asks anything), send, wait for the receipt,
 * refresh every read.
 */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import type { DataCoopContractName } from "@datacoop/protocol/abi/names";
import type { Deployment } from "@datacoop/protocol/deployments";
import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, createContext, useCallback, useContext, useState } from "react";
import type { Address, ContractFunctionArgs, ContractFunctionName, PublicClient } from "viem";
import { writeContract } from "viem/actions";
import { useAccount, useConnectorClient, usePublicClient } from "wagmi";

import { LOCAL_CHAIN_ID, type RuntimeConfig, deploymentFor } from "./config";
import { explainError } from "./errors";

export interface ChainView {
  readonly runtime: RuntimeConfig;
  /** The chain the app reads: the wallet's, or the local chain before a wallet connects. */
  readonly chainId: number;
  readonly isLocal: boolean;
  readonly deployment: Deployment | undefined;
  readonly publicClient: PublicClient;
  readonly account: Address | undefined;
}

const RuntimeContext = createContext<RuntimeConfig | null>(null);

export function RuntimeProvider({ runtime, children }: { runtime: RuntimeConfig; children: ReactNode }) {
  return <RuntimeContext.Provider value={runtime}>{children}</RuntimeContext.Provider>;
}

export function useChain(): ChainView {
  const runtime = useContext(RuntimeContext);
  if (runtime === null) throw new Error("useChain outside RuntimeProvider");
  const { address, chainId: walletChain } = useAccount();
  const chainId = walletChain ?? LOCAL_CHAIN_ID;
  // A wallet on a chain the app does not know has no client: read nothing real (no deployment) and say so.
  const walletChainClient = usePublicClient({ chainId });
  const localClient = usePublicClient({ chainId: LOCAL_CHAIN_ID });
  const publicClient = walletChainClient ?? localClient;
  if (publicClient === undefined) throw new Error("The app has no client for the local chain.");
  return {
    runtime,
    chainId,
    isLocal: chainId === LOCAL_CHAIN_ID,
    deployment: walletChainClient === undefined ? undefined : deploymentFor(runtime, chainId),
    publicClient: publicClient as PublicClient,
    account: address,
  };
}

type Abi<C extends DataCoopContractName> = (typeof DATACOOP_ABIS)[C];
type WriteName<C extends DataCoopContractName> = ContractFunctionName<Abi<C>, "nonpayable" | "payable">;

export interface TxRequest<C extends DataCoopContractName, F extends WriteName<C>> {
  readonly contract: C;
  readonly functionName: F;
  readonly args: ContractFunctionArgs<Abi<C>, "nonpayable" | "payable", F>;
}

export interface TxState {
  readonly busy: string | null;
  readonly message: { readonly kind: "ok" | "error"; readonly text: string } | null;
}

/** `send(label, request)`: the transaction flow every page uses, with its state for the status line. */
export function useSend() {
  const chain = useChain();
  const { data: wallet } = useConnectorClient();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ busy: null, message: null });

  const send = useCallback(
    async <C extends DataCoopContractName, F extends WriteName<C>>(
      label: string,
      request: TxRequest<C, F>,
    ): Promise<boolean> => {
      if (!wallet || !chain.account) {
        setState({ busy: null, message: { kind: "error", text: "Connect a wallet first." } });
        return false;
      }
      if (!chain.deployment) {
        setState({ busy: null, message: { kind: "error", text: "DataCoop is not deployed on this network." } });
        return false;
      }
      setState({ busy: label, message: null });
      try {
        const call = {
          address: chain.deployment.contracts[request.contract],
          abi: DATACOOP_ABIS[request.contract],
          functionName: request.functionName,
          args: request.args,
          account: chain.account,
        };
        // viem's generics cannot follow the contract name through the ABI map; the call is typed above.
        const { request: prepared } = await chain.publicClient.simulateContract(call as never);
        const hash = await writeContract(wallet, prepared as never);
        const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error("The transaction was mined but reverted.");
        setState({ busy: null, message: { kind: "ok", text: `${label}: done.` } });
        await queryClient.invalidateQueries();
        return true;
      } catch (error) {
        setState({ busy: null, message: { kind: "error", text: `${label}: ${explainError(error)}` } });
        return false;
      }
    },
    [wallet, chain.account, chain.deployment, chain.publicClient, queryClient],
  );
  return { send, state };
}

export function TxStatus({ state }: { state: TxState }) {
  return (
    <p role="status" aria-live="polite" className={state.message?.kind === "error" ? "status error" : "status"}>
      {state.busy ? `${state.busy}…` : (state.message?.text ?? "")}
    </p>
  );
}
