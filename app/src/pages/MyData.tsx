/**
 * My data: each contribution with its status, weight and consent; change consent; revoke; replace with a
 * newer export (on the Contribute page, which registers it with the registry's `replace`).
 */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import { CONTRIBUTION_STATUS, enumName } from "@datacoop/protocol/viem";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Hex } from "viem";

import { PurposeChoices } from "../lib/PurposeChoices";
import { TxStatus, useChain, useSend } from "../lib/chain";
import { dateTime, duration, short } from "../lib/format";
import { type Purpose, REFRESH_MS, purposeNames, useChainTime, usePurposes } from "../lib/reads";

interface Row {
  readonly contentHash: Hex;
  readonly status: string;
  readonly weight: bigint;
  readonly units: number;
  readonly quality: number;
  readonly purposes: number;
  readonly effective: number;
  readonly pending: number;
}

function useContributions() {
  const { deployment, publicClient, account } = useChain();
  return useQuery({
    queryKey: ["contributions", deployment?.contracts.ContributionRegistry, account],
    enabled: deployment !== undefined && account !== undefined,
    refetchInterval: REFRESH_MS,
    queryFn: async (): Promise<Row[]> => {
      const registry = { address: deployment!.contracts.ContributionRegistry, abi: DATACOOP_ABIS.ContributionRegistry };
      const logs = await publicClient.getContractEvents({
        ...registry,
        eventName: "Contributed",
        args: { owner: account },
        fromBlock: 0n,
      });
      return Promise.all(
        logs.map(async (log) => {
          const contentHash = log.args.contentHash!;
          const [c, effective, pending] = await Promise.all([
            publicClient.readContract({ ...registry, functionName: "contribution", args: [contentHash] }),
            publicClient.readContract({ ...registry, functionName: "effectivePurposes", args: [contentHash] }),
            publicClient.readContract({ ...registry, functionName: "pendingPurposes", args: [contentHash] }),
          ]);
          return {
            contentHash,
            status: enumName(CONTRIBUTION_STATUS, c.status) ?? String(c.status),
            weight: c.weight,
            units: c.units,
            quality: c.quality,
            purposes: c.purposes,
            effective,
            pending,
          };
        }),
      );
    },
  });
}

/** When consent given now becomes effective: the start of the next consent epoch. */
function useNextEpoch(): number | undefined {
  const { deployment, publicClient } = useChain();
  const query = useQuery({
    queryKey: ["nextEpoch", deployment?.contracts.RevenueDistributor],
    enabled: deployment !== undefined,
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const distributor = { address: deployment!.contracts.RevenueDistributor, abi: DATACOOP_ABIS.RevenueDistributor };
      const [[, start], length] = await Promise.all([
        publicClient.readContract({ ...distributor, functionName: "currentEpoch" }),
        publicClient.readContract({ ...distributor, functionName: "consentEpoch" }),
      ]);
      return Number(start) + Number(length);
    },
  });
  return query.data;
}

function ConsentEditor({ row, purposes, onDone }: { row: Row; purposes: Purpose[]; onDone: () => void }) {
  const [mask, setMask] = useState(row.purposes);
  const { send, state } = useSend();
  const save = async () => {
    if (
      await send("Change consent", {
        contract: "ContributionRegistry",
        functionName: "setPurposes",
        args: [row.contentHash, mask],
      })
    )
      onDone();
  };
  return (
    <fieldset className="consent">
      <legend>Who may use contribution {short(row.contentHash)}</legend>
      <PurposeChoices purposes={purposes} mask={mask} onChange={setMask} />
      <button type="button" onClick={save} disabled={state.busy !== null || mask === row.purposes}>
        Save consent
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <TxStatus state={state} />
    </fieldset>
  );
}

export function MyData() {
  const { account } = useChain();
  const purposes = usePurposes();
  const rows = useContributions();
  const now = useChainTime();
  const nextEpoch = useNextEpoch();
  const [editing, setEditing] = useState<Hex | null>(null);
  const [confirming, setConfirming] = useState<Hex | null>(null);
  const { send, state } = useSend();

  if (!account) return <p>Connect a wallet to see your contributions.</p>;
  return (
    <section aria-labelledby="mydata-title">
      <h2 id="mydata-title">My data</h2>
      <p className="note">
        Removing a use, or deleting a contribution, takes effect at once: no future sale includes it. A use you add
        takes effect at the start of the next consent epoch
        {nextEpoch !== undefined && now !== undefined
          ? ` (${dateTime(nextEpoch)}, in ${duration(nextEpoch - now)})`
          : ""}
        , so nobody gains by changing consent around a sale. Earnings already made stay yours.
      </p>
      {rows.isLoading && <p>Loading…</p>}
      {rows.data?.length === 0 && <p>You have not contributed yet. Use the Contribute page.</p>}
      {rows.data && rows.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Contribution</th>
              <th scope="col">Status</th>
              <th scope="col">Weight</th>
              <th scope="col">In use for</th>
              <th scope="col">Pending (next epoch)</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map((row) => (
              <tr key={row.contentHash} data-content-hash={row.contentHash}>
                <td title={row.contentHash}>{short(row.contentHash)}</td>
                <td>{row.status}</td>
                <td>
                  {row.weight.toString()} ({row.units} units × {(row.quality / 100).toFixed(2)}%)
                </td>
                <td>{purposeNames(purposes, row.effective)}</td>
                <td>{row.pending ? purposeNames(purposes, row.pending) : "—"}</td>
                <td>
                  {row.status === "Active" && (
                    <>
                      <button type="button" onClick={() => setEditing(row.contentHash)}>
                        Change consent
                      </button>
                      <a
                        className="button"
                        href={`#contribute/replace/${row.contentHash}`}
                        aria-label={`Replace ${short(row.contentHash)} with a newer export`}
                      >
                        Replace with a newer export
                      </a>
                      {confirming === row.contentHash ? (
                        <button
                          type="button"
                          className="danger"
                          onClick={() =>
                            send("Delete my data", {
                              contract: "ContributionRegistry",
                              functionName: "revoke",
                              args: [row.contentHash],
                            })
                          }
                        >
                          Confirm: delete for good
                        </button>
                      ) : (
                        <button type="button" onClick={() => setConfirming(row.contentHash)}>
                          Delete my data
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing !== null && rows.data?.find((r) => r.contentHash === editing) && (
        <ConsentEditor
          key={editing}
          row={rows.data.find((r) => r.contentHash === editing)!}
          purposes={purposes}
          onDone={() => setEditing(null)}
        />
      )}
      <TxStatus state={state} />
    </section>
  );
}
