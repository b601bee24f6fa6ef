#!/usr/bin/env bash
# Testnet smoke test: the README's "Deploy to a testnet" walkthrough against a local node standing in for
# Sepolia (chain id 11155111, a block every 0.5 s, 1 gwei base fee, a 6-decimal mock USDC placed at the
# preset USDC address). Every role has a fresh key of its own and each command runs with only that
# role's key configured, as on separate machines. It checks that deploy:check refuses the shipped
# sepolia.json and passes the filled one, deploys with the README's Ignition command (network `sepolia`,
# URL overridden), measures the deployment's gas, then runs one contribution (seal, two validators
# attest, contribute), standing terms set by proposal, one sale by standing terms, its delivery, the
# buyer's fetch and the contributor's claim. Everything it starts is stopped; failures exit non-zero.
#
#   scripts/ci/testnet-smoke.sh        (after `npm ci`; it compiles first)
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
RPC="http://127.0.0.1:${PORT}"
DEPLOYMENT_ID="testnet-smoke" # never the chain-11155111 directory a real Sepolia deployment commits
DEPLOYMENT_DIR="deploy/deployments/${DEPLOYMENT_ID}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/datacoop-testnet.XXXXXX")"
# shellcheck source=scripts/ci/smoke-lib.sh
source scripts/ci/smoke-lib.sh
trap 'smoke_cleanup "$DEPLOYMENT_DIR"' EXIT
trap 'exit 130' INT TERM

# Network `sepolia` reaches the stand-in; no key is configured unless a command says whose it is.
export HARDHAT_VAR_SEPOLIA_RPC_URL="$RPC"
for variable in DEPLOYER_PRIVATE_KEY DATACOOP_VALIDATOR_PRIVATE_KEY DATACOOP_CUSTODIAN_PRIVATE_KEY \
  DATACOOP_CONTRIBUTOR_PRIVATE_KEY DATACOOP_BUYER_PRIVATE_KEY DATACOOP_HOLDER_PRIVATE_KEY DATACOOP_STORE_URL; do
  unset "$variable" "HARDHAT_VAR_${variable}"
done
KEYS="${WORK}/keys.json"
key() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]].privateKey)' "$KEYS" "$1"; }

# as <role> <variable> <task args...>: runs a task on `sepolia` with only that role's key configured.
as() {
  local who="$1" variable="$2"
  shift 2
  env "HARDHAT_VAR_${variable}=$(key "$who")" "$HARDHAT" "$@" --network sepolia
}
deployer() { as deployer DEPLOYER_PRIVATE_KEY "$@"; }
contributor() { as contributor DATACOOP_CONTRIBUTOR_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }
validator1() { as validator1 DATACOOP_VALIDATOR_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }
validator2() { as validator2 DATACOOP_VALIDATOR_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }
custodian() { as custodian DATACOOP_CUSTODIAN_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }
custodian2() { as custodian2 DATACOOP_CUSTODIAN_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }
buyer() { as buyer DATACOOP_BUYER_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }
holder() { as holder DATACOOP_HOLDER_PRIVATE_KEY "$@" --deployment-id "$DEPLOYMENT_ID"; }

step "compile"
compile --quiet

step "start a Sepolia stand-in on ${RPC}"
background "${WORK}/node.log" "$HARDHAT" --config scripts/ci/sepolia-standin.config.ts node --hostname 127.0.0.1 --port "$PORT"
background "${WORK}/store.log" "$HARDHAT" store:serve --dir "${WORK}/blobs" --port 0
"$TS_NODE" --transpile-only scripts/ci/write-synthetic-export.ts "${WORK}/alice.zip" 303 user-SmokeTestnet0000000001 12 &
EXPORT_PID=$!
"$TS_NODE" --transpile-only scripts/ci/sepolia-standin.ts keys "$KEYS"
wait "$EXPORT_PID"
wait_for_node
[[ "$(rpc eth_chainId)" == '"0xaa36a7"' ]] || { echo "smoke: the stand-in is not chain 11155111" >&2; exit 1; }
"$TS_NODE" --transpile-only scripts/ci/sepolia-standin.ts setup "$RPC" "$KEYS" "${WORK}/sepolia.json"
for _ in $(seq 1 120); do grep -q '^http' "${WORK}/store.log" && break; sleep 0.5; done
export DATACOOP_STORE_URL="$(grep -m1 '^http' "${WORK}/store.log")"
echo "blob store at ${DATACOOP_STORE_URL}"

step "deploy:check refuses the shipped sepolia.json and passes the filled one"
refuse "nothing was sent" deployer deploy:check --parameters deploy/parameters/sepolia.json
deployer deploy:check --parameters "${WORK}/sepolia.json"

step "deploy with the README's command"
README_DEPLOY="npx hardhat ignition deploy deploy/modules/DataCoop.ts --network sepolia --parameters deploy/parameters/sepolia.json"
grep -qF "HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1 ${README_DEPLOY}" README.md || {
  echo "smoke: README.md no longer shows: HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1 ${README_DEPLOY}" >&2
  exit 1
}
# The same command, with the filled file and a deployment id of its own; `as` supplies the deployer key.
read -r -a COMMAND <<<"${README_DEPLOY/deploy\/parameters\/sepolia.json/${WORK}/sepolia.json}"
HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1 env "HARDHAT_VAR_DEPLOYER_PRIVATE_KEY=$(key deployer)" \
  "${COMMAND[@]}" --deployment-id "$DEPLOYMENT_ID"
"$TS_NODE" --transpile-only scripts/ci/sepolia-standin.ts gas "$RPC" "$KEYS"

step "a public network refuses a local blob store"
refuse "http(s) blob store" contributor contributor:seal --export "${WORK}/alice.zip" --out "${WORK}/x.json" --store "${WORK}/local"

step "contribute: the contributor seals, two validators attest on their own machines, the contributor registers"
contributor contributor:seal --export "${WORK}/alice.zip" --out "${WORK}/sealed.json"
# k validators signing apart must sign the same attestation: they use the deadline the contributor states.
DEADLINE=$(($(rpc eth_getBlockByNumber '["latest", false]' | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(Number(JSON.parse(s).timestamp)))') + 3600))
validator1 validator:attest --export "${WORK}/alice.zip" --sealed "${WORK}/sealed.json" --deadline "$DEADLINE" --out "${WORK}/att1.json"
validator2 validator:attest --export "${WORK}/alice.zip" --sealed "${WORK}/sealed.json" --deadline "$DEADLINE" --out "${WORK}/att2.json"
contributor contributor:contribute --sealed "${WORK}/sealed.json" --attestation "${WORK}/att1.json,${WORK}/att2.json" --purposes RESEARCH,AI_TRAINING

step "the holder sets standing terms for AI_TRAINING by proposal (waits of the shipped values, fast-forwarded)"
holder holder:delegate
advance 1
holder holder:propose-terms --purpose AI_TRAINING --min-price 100 --max-duration 30d --objection-window 1d --json >"${WORK}/proposal.json"
PROPOSAL_ID="$(json_get "${WORK}/proposal.json" proposalId)"
advance 3601 # votingDelay
holder holder:vote --proposal "$PROPOSAL_ID" --support for
advance 86401 # votingPeriod
holder holder:queue --proposal "$PROPOSAL_ID"
advance 3601 # timelockDelay
holder holder:execute --proposal "$PROPOSAL_ID"

step "a sale by standing terms: request, objection window, finalize, delivery, fetch"
printf 'Testnet smoke terms: training use only.\n' >"${WORK}/terms.txt"
buyer buyer:request --purpose AI_TRAINING --amount 100 --duration 30d --terms "${WORK}/terms.txt" --json >"${WORK}/request.json"
REQUEST_ID="$(json_get "${WORK}/request.json" requestId)"
advance 86401 # objection window
buyer buyer:finalize --request "$REQUEST_ID"
# With only the deployer's key on the machine, a custodian task refuses instead of acting as the deployer.
refuse "No custodian key on this machine" deployer custodian:deliver --request "$REQUEST_ID" --deployment-id "$DEPLOYMENT_ID"
# 2-of-3 custody: two custodians, each on its own machine, post their shares; the second post releases.
custodian custodian:deliver --request "$REQUEST_ID"
custodian2 custodian:deliver --request "$REQUEST_ID"
buyer buyer:fetch --request "$REQUEST_ID" --out "${WORK}/grant"
# The buyer receives the refined dataset: conversations, and none of the export's account identifiers.
[[ -s "${WORK}/grant/conversations.jsonl" && -s "${WORK}/grant/dataset.json" ]] || {
  echo "smoke: the fetched grant lacks conversations.jsonl or dataset.json" >&2
  exit 1
}
if grep -rq "user-SmokeTestnet0000000001" "${WORK}/grant"; then
  echo "smoke: the export's user id reached the buyer's dataset" >&2
  exit 1
fi

step "the contributor claims"
contributor contributor:claim | tee "${WORK}/claim.log"
grep -Eq "^Claimed 9[45]\.[0-9]+ USDC" "${WORK}/claim.log" # 95 % of the fee (5 % treasury share), rounded down

step "passed in $((SECONDS - STARTED)) s"
