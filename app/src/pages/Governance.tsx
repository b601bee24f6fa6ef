/** Governance: proposals with state and votes; vote for/against/abstain; queue and execute; Tally links. */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import { PROPOSAL_STATE, enumName, proposalDescriptionHash } from "@datacoop/protocol/viem";
import { useQuery } from "@tanstack/react-query";

import { TxStatus, useChain, useSend } from "../lib/chain";
import { amount, duration } from "../lib/format";
import { REFRESH_MS, useChainTime } from "../lib/reads";

/** OpenZeppelin's simple counting: the `support` values of `castVote`. */
const SUPPORT = [
  { value: 1, label: "For" },
  { value: 0, label: "Against" },
  { value: 2, label: "Abstain" },
] as const;

function useProposals() {
  const { deployment, publicClient, account } = useChain();
  return useQuery({
    queryKey: ["proposals", deployment?.contracts.CoopGovernor, account],
    enabled: deployment !== undefined,
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const governor = { address: deployment!.contracts.CoopGovernor, abi: DATACOOP_ABIS.CoopGovernor };
      const logs = await publicClient.getContractEvents({ ...governor, eventName: "ProposalCreated", fromBlock: 0n });
      const rows = await Promise.all(
        logs.map(async (log) => {
          const a = log.args;
          const id = a.proposalId!;
          const [state, [against, forVotes, abstain], voted, eta] = await Promise.all([
            publicClient.readContract({ ...governor, functionName: "state", args: [id] }),
            publicClient.readContract({ ...governor, functionName: "proposalVotes", args: [id] }),
            account
              ? publicClient.readContract({ ...governor, functionName: "hasVoted", args: [id, account] })
              : Promise.resolve(false),
            publicClient.readContract({ ...governor, functionName: "proposalEta", args: [id] }),
          ]);
          return {
            id,
            description: a.description ?? "",
            targets: a.targets ?? [],
            values: a.values ?? [],
            calldatas: a.calldatas ?? [],
            voteStart: Number(a.voteStart ?? 0n),
            voteEnd: Number(a.voteEnd ?? 0n),
            state: enumName(PROPOSAL_STATE, state) ?? String(state),
            against,
            forVotes,
            abstain,
            voted,
            eta: Number(eta),
          };
        }),
      );
      return rows.reverse();
    },
  });
}

export function Governance() {
  const { account, isLocal, chainId, deployment } = useChain();
  const now = useChainTime();
  const proposals = useProposals();
  const { send, state } = useSend();
  const votes = (v: bigint) => amount(v, 18, "");

  return (
    <section aria-labelledby="gov-title">
      <h2 id="gov-title">Governance</h2>
      {proposals.data?.length === 0 && <p>No proposals yet.</p>}
      {proposals.data?.map((p) => {
        const call = [p.targets, p.values, p.calldatas, proposalDescriptionHash(p.description)] as const;
        const title = p.description.split("\n")[0] ?? "";
        return (
          <article key={p.id.toString()} className="proposal" data-proposal-id={p.id.toString()} aria-label={title}>
            <h3>{title}</h3>
            <p>
              State: <strong>{p.state}</strong>
              {p.state === "Pending" && now !== undefined && ` — voting opens in ${duration(p.voteStart - now)}`}
              {p.state === "Active" && now !== undefined && ` — voting closes in ${duration(p.voteEnd - now)}`}
              {p.state === "Queued" && now !== undefined && ` — executable in ${duration(p.eta - now)}`}
            </p>
            <p>
              For {votes(p.forVotes)} · Against {votes(p.against)} · Abstain {votes(p.abstain)}
            </p>
            {!isLocal && deployment && (
              <p>
                <a
                  href={`https://www.tally.xyz/gov/eip155:${chainId}:${deployment.contracts.CoopGovernor}/proposal/${p.id}`}
                  target="_blank"
                  rel="noreferrer"
                >
                  This proposal on Tally
                </a>
              </p>
            )}
            {p.state === "Active" && account && !p.voted && (
              <div role="group" aria-label={`Vote on ${title}`}>
                {SUPPORT.map((s) => (
                  <button
                    key={s.value}
                    type="button"
                    disabled={state.busy !== null}
                    onClick={() =>
                      send(`Vote ${s.label.toLowerCase()}`, {
                        contract: "CoopGovernor",
                        functionName: "castVote",
                        args: [p.id, s.value],
                      })
                    }
                  >
                    Vote {s.label.toLowerCase()}
                  </button>
                ))}
              </div>
            )}
            {p.voted && <p>You have voted.</p>}
            {p.state === "Succeeded" && account && (
              <button
                type="button"
                onClick={() => send("Queue", { contract: "CoopGovernor", functionName: "queue", args: call })}
              >
                Queue
              </button>
            )}
            {p.state === "Queued" && account && (
              <button
                type="button"
                disabled={now === undefined || now < p.eta}
                onClick={() => send("Execute", { contract: "CoopGovernor", functionName: "execute", args: call })}
              >
                Execute
              </button>
            )}
          </article>
        );
      })}
      <TxStatus state={state} />
    </section>
  );
}
