/**
 * Access requests: open ones with purpose, price, buyer, terms, the objection window and objections so
 * far; object; finalize when the window has closed; delivered grants.
 */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import { REQUEST_STATUS, enumName } from "@datacoop/protocol/viem";
import { useQuery } from "@tanstack/react-query";

import { TxStatus, useChain, useSend } from "../lib/chain";
import { amount, dateTime, duration, short } from "../lib/format";
import { REFRESH_MS, useChainTime, usePurposes, useSettlementToken } from "../lib/reads";

function useRequests() {
  const { deployment, publicClient, account } = useChain();
  return useQuery({
    queryKey: ["requests", deployment?.contracts.AccessEscrow, account],
    enabled: deployment !== undefined,
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const escrow = { address: deployment!.contracts.AccessEscrow, abi: DATACOOP_ABIS.AccessEscrow };
      const logs = await publicClient.getContractEvents({ ...escrow, eventName: "AccessRequested", fromBlock: 0n });
      return Promise.all(
        logs.map(async (log) => {
          const id = log.args.requestId!;
          const [request, [votes, threshold], objected] = await Promise.all([
            publicClient.readContract({ ...escrow, functionName: "request", args: [id] }),
            publicClient.readContract({ ...escrow, functionName: "objections", args: [id] }),
            account
              ? publicClient.readContract({ ...escrow, functionName: "hasObjected", args: [id, account] })
              : Promise.resolve(false),
          ]);
          return {
            id,
            termsURI: log.args.termsURI ?? "",
            status: enumName(REQUEST_STATUS, request.status) ?? String(request.status),
            request,
            votes,
            threshold,
            objected,
          };
        }),
      );
    },
  });
}

export function Requests() {
  const { account } = useChain();
  const purposes = usePurposes();
  const token = useSettlementToken();
  const now = useChainTime();
  const requests = useRequests();
  const { send, state } = useSend();
  const label = (id: number) => purposes.find((p) => p.id === id)?.label ?? `Purpose ${id}`;
  const money = (v: bigint) => (token ? amount(v, token.decimals, token.symbol) : v.toString());
  const all = requests.data ?? [];
  const open = all.filter((r) => r.status === "Pending");
  const delivered = all.filter((r) => r.status === "Delivered");
  const votes = (v: bigint) => amount(v, 18, "votes");

  return (
    <section aria-labelledby="requests-title">
      <h2 id="requests-title">Access requests</h2>
      <p className="note">
        A request that meets the cooperative's standing terms is approved unless token holders object during its
        objection window. Other requests are decided by a proposal (see Governance).
      </p>
      <h3>Open requests</h3>
      {open.length === 0 && <p>No open requests.</p>}
      {open.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Use</th>
              <th scope="col">Price</th>
              <th scope="col">Buyer</th>
              <th scope="col">Terms</th>
              <th scope="col">Objection window</th>
              <th scope="col">Objections</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {open.map((r) => {
              const optimistic = r.request.objectionDeadline > 0;
              const left = now === undefined ? undefined : r.request.objectionDeadline - now;
              const windowOpen = optimistic && left !== undefined && left > 0;
              return (
                <tr key={r.id.toString()} data-request-id={r.id.toString()}>
                  <td>{r.id.toString()}</td>
                  <td>{label(r.request.purpose)}</td>
                  <td>{money(r.request.amount)}</td>
                  <td title={r.request.buyer}>{short(r.request.buyer)}</td>
                  <td>
                    {r.termsURI ? (
                      <a href={r.termsURI} target="_blank" rel="noreferrer">
                        terms
                      </a>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    {!optimistic
                      ? "decided by proposal"
                      : windowOpen
                        ? `closes in ${duration(left!)} (${dateTime(r.request.objectionDeadline)})`
                        : "closed"}
                  </td>
                  <td>{optimistic ? `${votes(r.votes)} of ${votes(r.threshold)} needed to reject` : "—"}</td>
                  <td>
                    {windowOpen && account && (
                      <button
                        type="button"
                        disabled={r.objected || state.busy !== null}
                        aria-label={r.objected ? `You objected to request ${r.id}` : `Object to request ${r.id}`}
                        onClick={() =>
                          send(`Object to request #${r.id}`, {
                            contract: "AccessEscrow",
                            functionName: "object",
                            args: [r.id],
                          })
                        }
                      >
                        {r.objected ? "You objected" : "Object"}
                      </button>
                    )}
                    {optimistic && !windowOpen && account && (
                      <button
                        type="button"
                        aria-label={`Finalize request ${r.id}`}
                        onClick={() =>
                          send(`Finalize request #${r.id}`, {
                            contract: "AccessEscrow",
                            functionName: "finalize",
                            args: [r.id],
                          })
                        }
                      >
                        Finalize
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h3>Delivered grants</h3>
      {delivered.length === 0 && <p>No delivered grants yet.</p>}
      {delivered.length > 0 && (
        <ul>
          {delivered.map((r) => (
            <li key={r.id.toString()}>
              #{r.id.toString()}: {label(r.request.purpose)} for {short(r.request.buyer)}, {money(r.request.amount)},
              delivered {dateTime(r.request.deliveredAt)}
            </li>
          ))}
        </ul>
      )}
      <h3>Other requests</h3>
      <ul>
        {all
          .filter((r) => r.status !== "Pending" && r.status !== "Delivered")
          .map((r) => (
            <li key={r.id.toString()}>
              #{r.id.toString()}: {label(r.request.purpose)}, {money(r.request.amount)} — {r.status}
            </li>
          ))}
      </ul>
      <TxStatus state={state} />
    </section>
  );
}
