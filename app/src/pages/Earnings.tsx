/** Earnings: what each purpose has earned and can be claimed; COOP balance, voting power, delegation. */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type Address, isAddress, zeroAddress } from "viem";

import { TxStatus, useChain, useSend } from "../lib/chain";
import { amount, bits, short } from "../lib/format";
import { REFRESH_MS, usePurposes, useSettlementToken } from "../lib/reads";

function useEarnings() {
  const { deployment, publicClient, account } = useChain();
  return useQuery({
    queryKey: ["earnings", deployment?.contracts.RevenueDistributor, account],
    enabled: deployment !== undefined && account !== undefined,
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const distributor = { address: deployment!.contracts.RevenueDistributor, abi: DATACOOP_ABIS.RevenueDistributor };
      const token = { address: deployment!.contracts.CoopToken, abi: DATACOOP_ABIS.CoopToken };
      const [held, total, balance, votes, delegate] = await Promise.all([
        publicClient.readContract({ ...distributor, functionName: "purposesHeld", args: [account!] }),
        publicClient.readContract({ ...distributor, functionName: "claimable", args: [account!] }),
        publicClient.readContract({ ...token, functionName: "balanceOf", args: [account!] }),
        publicClient.readContract({ ...token, functionName: "getVotes", args: [account!] }),
        publicClient.readContract({ ...token, functionName: "delegates", args: [account!] }),
      ]);
      const perPurpose = await Promise.all(
        bits(held).map(async (id) => ({
          id,
          claimable: await publicClient.readContract({
            ...distributor,
            functionName: "claimableFor",
            args: [account!, 1 << id],
          }),
        })),
      );
      return { held, total, perPurpose, balance, votes, delegate };
    },
  });
}

export function Earnings() {
  const { account } = useChain();
  const purposes = usePurposes();
  const token = useSettlementToken();
  const earnings = useEarnings();
  const { send, state } = useSend();
  const [delegatee, setDelegatee] = useState("");

  if (!account) return <p>Connect a wallet to see your earnings.</p>;
  const data = earnings.data;
  const label = (id: number) => purposes.find((p) => p.id === id)?.label ?? `Purpose ${id}`;
  const money = (v: bigint) => (token ? amount(v, token.decimals, token.symbol) : v.toString());
  return (
    <section aria-labelledby="earnings-title">
      <h2 id="earnings-title">Earnings</h2>
      {!data && <p>Loading…</p>}
      {data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Use</th>
                <th scope="col">Claimable</th>
              </tr>
            </thead>
            <tbody>
              {data.perPurpose.map((p) => (
                <tr key={p.id}>
                  <td>{label(p.id)}</td>
                  <td>{money(p.claimable)}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">Total</th>
                <td data-testid="claimable-total">{money(data.total)}</td>
              </tr>
            </tbody>
          </table>
          <button
            type="button"
            disabled={data.total === 0n || state.busy !== null}
            onClick={() => send("Claim", { contract: "RevenueDistributor", functionName: "claim", args: [data.held] })}
          >
            Claim {money(data.total)}
          </button>
          <h3>Governance token</h3>
          <dl>
            <dt>COOP balance</dt>
            <dd>{amount(data.balance, 18, "COOP")}</dd>
            <dt>Voting power</dt>
            <dd>{amount(data.votes, 18, "votes")}</dd>
            <dt>Votes delegated to</dt>
            <dd>
              {data.delegate === zeroAddress
                ? "nobody (your tokens do not vote)"
                : data.delegate === account
                  ? "yourself"
                  : short(data.delegate)}
            </dd>
          </dl>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (isAddress(delegatee))
                void send("Delegate", {
                  contract: "CoopToken",
                  functionName: "delegate",
                  args: [delegatee as Address],
                });
            }}
          >
            <label htmlFor="delegatee">Delegate my votes to (address)</label>
            <input
              id="delegatee"
              value={delegatee}
              onChange={(e) => setDelegatee(e.target.value.trim())}
              placeholder="0x…"
              aria-invalid={delegatee !== "" && !isAddress(delegatee)}
            />
            <button type="submit" disabled={!isAddress(delegatee)}>
              Delegate
            </button>
            <button
              type="button"
              onClick={() =>
                send("Delegate to myself", { contract: "CoopToken", functionName: "delegate", args: [account] })
              }
            >
              Delegate to myself
            </button>
          </form>
        </>
      )}
      <TxStatus state={state} />
    </section>
  );
}
