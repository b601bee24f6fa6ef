#!/usr/bin/env bash
# Localhost smoke test: starts `npx hardhat node` on a free loopback port (never 8545, a developer's node), deploys DataCoopLocal with Hardhat Ignition,
# and runs the role tasks against it end to end: two contributions (one "do not train"), status, a consent
# change, a funded buyer's request, a Governor proposal approving it (vote, queue, execute), delivery by
# the custodian, fetch and decryption by the buyer, a claim, a revocation, and two inputs that must be
# refused. The node is stopped in every case; any failure exits non-zero.
#
#   scripts/ci/localhost-smoke.sh        (on a fresh clone: after `npm ci`; it compiles first)
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTODIAN="0x2546BcD3c84621e976D8185a91A922aE77ECEc30" # the custodian named in deploy/parameters/localhost.json
WORK="$(mktemp -d "${TMPDIR:-/tmp}/datacoop-smoke.XXXXXX")"
# shellcheck source=scripts/ci/smoke-lib.sh
source scripts/ci/smoke-lib.sh
PORT="$(free_port)"
RPC="http://127.0.0.1:${PORT}"
# Network `localhost` reaches this node (hardhat.config.ts reads LOCALHOST_RPC_URL).
export LOCALHOST_RPC_URL="$RPC"
DEPLOYMENT_ID="localhost-smoke-${PORT}"
DEPLOYMENT_DIR="deploy/deployments/${DEPLOYMENT_ID}"
trap 'smoke_cleanup "$DEPLOYMENT_DIR"' EXIT
trap 'exit 130' INT TERM

hh() { "$HARDHAT" "$@" --network localhost; }
role() { "$HARDHAT" "$@" --network localhost --deployment-id "$DEPLOYMENT_ID"; }

if rpc eth_chainId >/dev/null 2>&1; then
  echo "smoke: something already answers on ${RPC}; stop it first (the smoke test needs a fresh node)." >&2
  exit 1
fi

step "compile"
compile

step "start a node on port ${PORT}"
background "${WORK}/node.log" "$HARDHAT" node --hostname 127.0.0.1 --port "$PORT"
wait_for_node

step "deploy with Ignition"
PARAMETERS="deploy/parameters/localhost.json"
if ! grep -q custodianPublicKey "$PARAMETERS"; then
  # Contributors wrap data keys to the escrow's custodian key, so the deployment needs one: use the
  # custodian's well-known local development key.
  CUSTODIAN_PUBLIC_KEY="$(hh keys:show --role custodian --account "$CUSTODIAN" 2>/dev/null)"
  node -e 'const fs = require("fs"); const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    p.DataCoopLocal.custodianPublicKey = process.argv[2];
    fs.writeFileSync(process.argv[3], JSON.stringify(p, null, 2));' "$PARAMETERS" "$CUSTODIAN_PUBLIC_KEY" "${WORK}/localhost.json"
  PARAMETERS="${WORK}/localhost.json"
fi
rm -rf "$DEPLOYMENT_DIR"
hh ignition deploy deploy/modules/DataCoopLocal.ts --parameters "$PARAMETERS" --deployment-id "$DEPLOYMENT_ID"

step "write two synthetic exports"
"$TS_NODE" --transpile-only scripts/ci/write-synthetic-export.ts "${WORK}/alice.zip" 101 user-SmokeAlice000000000001 16
"$TS_NODE" --transpile-only scripts/ci/write-synthetic-export.ts "${WORK}/bob.zip" 202 user-SmokeBob00000000000002 8
STORE="${WORK}/blobs"

step "refuse bad input before sending anything"
refuse "Unknown purpose" role contributor:contribute --account 1 --export "${WORK}/alice.zip" --purposes RESEARCH,TRAINING --store "$STORE"
refuse "Cannot find the export archive" role contributor:contribute --account 1 --export "${WORK}/missing.zip" --purposes RESEARCH --store "$STORE"

step "contribute: alice (RESEARCH, AI_TRAINING), bob (RESEARCH only: do not train)"
role contributor:contribute --account 1 --export "${WORK}/alice.zip" --purposes RESEARCH,AI_TRAINING --store "$STORE" --json >"${WORK}/alice.json"
role contributor:contribute --account 2 --export "${WORK}/bob.zip" --purposes RESEARCH --store "$STORE" --json >"${WORK}/bob.json"
ALICE_HASH="$(json_get "${WORK}/alice.json" contentHash)"
BOB_HASH="$(json_get "${WORK}/bob.json" contentHash)"
role contributor:status --account 1

step "alice also consents to COMMERCIAL"
role contributor:set-purposes --account 1 --content-hash "$ALICE_HASH" --purposes RESEARCH,AI_TRAINING,COMMERCIAL

step "a buyer requests AI_TRAINING access (no standing terms: it needs a vote)"
role dev:fund --account 5 --amount 5000
printf 'Smoke test terms: research and training use only.\n' >"${WORK}/terms.txt"
# Consent given takes effect at the next consent epoch (60 s on this node).
advance 61
role buyer:request --account 5 --purpose AI_TRAINING --amount 1000 --duration 30d --terms "${WORK}/terms.txt" --json >"${WORK}/request.json"
REQUEST_ID="$(json_get "${WORK}/request.json" requestId)"

step "governance approves request #${REQUEST_ID}: propose, vote, queue, execute"
role holder:propose --account 1 --approve "$REQUEST_ID" --json >"${WORK}/proposal.json"
PROPOSAL_ID="$(json_get "${WORK}/proposal.json" proposalId)"
refuse "Voting opens after" role holder:vote --account 1 --proposal "$PROPOSAL_ID"
advance 61
role holder:vote --account 1 --proposal "$PROPOSAL_ID" --support for
role holder:vote --account 2 --proposal "$PROPOSAL_ID" --support for --reason "fine by me"
advance 601
role holder:queue --proposal "$PROPOSAL_ID"
advance 61
role holder:execute --proposal "$PROPOSAL_ID"

step "two of the three custodians deliver (2-of-3), the buyer fetches the refined dataset"
# Each run posts as the next local custodian that has not posted in this round; the second post of a round
# releases the fee. Posts count together only within one consent epoch (60 s here), so on a slow machine the
# epoch may turn between the two posts and the second one opens a new round: the custodians then post again,
# as their daemons would. Four posts at most (two rounds).
for post in 1 2 3 4; do
  role custodian:deliver --request "$REQUEST_ID" --store "$STORE" --json >"${WORK}/deliver.json"
  echo "custodian post ${post}: $(json_get "${WORK}/deliver.json" posts) of $(json_get "${WORK}/deliver.json" threshold) in this round"
  [[ "$(json_get "${WORK}/deliver.json" released)" == "true" ]] && break
  if [[ "$post" == 4 ]]; then
    echo "smoke: four custodian posts released nothing (each round was cut short by a new consent epoch)" >&2
    exit 1
  fi
done
role buyer:fetch --account 5 --request "$REQUEST_ID" --out "${WORK}/grant" --json >"${WORK}/fetch.json"
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const hashes = r.contributions;
  if (hashes.length !== 1 || hashes[0] !== process.argv[2]) {
    console.error(`expected only alice (${process.argv[2]}) in the training grant, got ${hashes.join(", ")}`); process.exit(1); }
  console.log(`the training grant holds exactly the contribution of alice; bob (${process.argv[3]}) is not in it`);' \
  "${WORK}/fetch.json" "$ALICE_HASH" "$BOB_HASH"
[[ -s "${WORK}/grant/conversations.jsonl" ]] || { echo "smoke: the grant has no conversations.jsonl" >&2; exit 1; }
if grep -rq "user-SmokeAlice000000000001" "${WORK}/grant"; then
  echo "smoke: alice's user id reached the buyer's dataset" >&2
  exit 1
fi
role buyer:status --request "$REQUEST_ID"

step "alice claims; bob revokes"
role contributor:claim --account 1
role contributor:revoke --account 2 --content-hash "$BOB_HASH"
role contributor:status --account 2

step "passed in $((SECONDS - STARTED)) s"
