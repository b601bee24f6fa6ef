#!/usr/bin/env bash
# Proves that the packed @datacoop/protocol works for an integrator, on a machine with only Node 20 and npm:
#
#   1. compile and build the package (scripts/package/build.ts), `npm pack` it into a temporary directory
#      and check the tarball holds nothing but package.json, README and dist/;
#   2. create a fresh project outside the repository, `npm install` the tarball, ethers, TypeScript 5.9.3
#      and @types/node there, and type-check a small program against it (strict; `nodenext` for the
#      ESM and CommonJS entry points, `node10` for older setups that need `typesVersions`);
#   3. create a second, viem-only project: the same tarball with its (optional) peers omitted, viem and
#      TypeScript only, checked to have no ethers in node_modules, and type-check a strict program that
#      needs no cast (scripts/package/.consumer-viem);
#   4. start `hardhat node` on its own port (DATACOOP_CONSUMER_PORT, default a free one chosen now), deploy
#      deploy/modules/DataCoopLocal.ts to it with Ignition, and run both programs: the ethers one reads
#      state through the typed factories, signs and decodes reverted calls' custom errors; the viem one
#      reads state, funds a buyer with the local token, signs an attestation with a validator's local
#      key, contributes, and decodes custom errors from viem's errors.
#
# The node is always stopped and the temporary files removed (trap). Usage:
#
#   bash scripts/package/consumer-test.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${DATACOOP_CONSUMER_PORT:-$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')}"
RPC_URL="http://127.0.0.1:${PORT}"
TEMPLATE="$REPO/scripts/package/.consumer"
VIEM_TEMPLATE="$REPO/scripts/package/.consumer-viem"
DEPLOYMENT_ID="package-consumer-$$"
DEPLOYMENT_DIR="$REPO/deploy/deployments/$DEPLOYMENT_ID"
NPM_FLAGS=(--no-audit --no-fund --prefer-offline --loglevel=error)
HARDHAT="$REPO/node_modules/.bin/hardhat"

started=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/datacoop-consumer.XXXXXX")"
node_pid=""

step() { printf '\n==> %s (%ss)\n' "$1" "$((SECONDS - started))"; }
fail() {
  printf 'FAIL: package consumer test: %s\n' "$1" >&2
  exit 1
}

cleanup() {
  local status=$?
  if [[ -n "$node_pid" ]] && kill -0 "$node_pid" 2>/dev/null; then
    kill -- -"$node_pid" 2>/dev/null || kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -s "$work/node.log" ]]; then
    printf '\n--- last lines of the hardhat node log ---\n' >&2
    tail -n 20 "$work/node.log" >&2 || true
  fi
  rm -rf "$work" "$DEPLOYMENT_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Answers 0 when a JSON-RPC node answers eth_chainId at $1.
rpc_answers() {
  node -e '
    fetch(process.argv[1], {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2000),
    })
      .then((r) => r.json())
      .then((j) => process.exit(j.result ? 0 : 1), () => process.exit(1));
  ' "$1"
}

cd "$REPO"
[[ -x "$HARDHAT" ]] || fail "node_modules/.bin/hardhat is missing: run \`npm ci\` in $REPO first."
node -e '
  const p = require("./package.json");
  const optional = (name) => p.peerDependencies?.[name] && p.peerDependenciesMeta?.[name]?.optional === true;
  process.exit(p.exports && p.files && optional("ethers") && optional("viem") && p.devDependencies?.viem ? 0 : 1);
' || fail "package.json lacks the package fields (exports, files, optional peers ethers and viem, viem in devDependencies)."
VIEM_VERSION="$(node -p 'require("./package.json").devDependencies.viem')"

step "compile and build the package"
# `npm test` (scripts/ci/test.ts) has compiled already and runs this beside other steps: a second,
# no-op compile would race theirs on Hardhat's cache file.
[[ "${DATACOOP_COMPILED:-}" == "1" ]] || "$HARDHAT" compile --quiet
npx --no-install ts-node scripts/package/build.ts

step "npm pack"
npm pack --ignore-scripts --pack-destination "$work" --json "${NPM_FLAGS[@]}" >"$work/pack.json"
tarball="$(node -e '
  const [info] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const stray = info.files.map((f) => f.path).filter((p) => !/^(package\.json|README\.md|LICENSE|dist\/[^/]+\.(js|mjs|d\.ts|d\.mts))$/.test(p));
  if (stray.length > 0) { console.error("unexpected files in the tarball: " + stray.join(", ")); process.exit(1); }
  const kb = (n) => (n / 1024).toFixed(1) + " kB";
  console.error(`${info.filename}: ${info.files.length} files, package size ${kb(info.size)}, unpacked size ${kb(info.unpackedSize)}`);
  console.log(info.filename);
' "$work/pack.json")" || fail "the tarball holds files it must not (see above); check \"files\" in package.json."

step "install the tarball in a fresh project outside the repository"
mkdir "$work/consumer"
cp "$TEMPLATE"/main.mts "$TEMPLATE"/check.cts "$TEMPLATE"/node10.ts "$TEMPLATE"/tsconfig.json "$TEMPLATE"/tsconfig.node10.json "$work/consumer/"
cd "$work/consumer"
printf '{ "name": "datacoop-consumer", "version": "0.0.0", "private": true }\n' >package.json
npm install "${NPM_FLAGS[@]}" "$work/$tarball" "ethers@^6" typescript@5.9.3 "@types/node@^20" >/dev/null

step "type-check the consumer (strict, nodenext and node10 resolution)"
./node_modules/.bin/tsc -p tsconfig.json || fail "the consumer does not type-check against the package (nodenext)."
./node_modules/.bin/tsc -p tsconfig.node10.json || fail "the consumer does not type-check with moduleResolution node10 (typesVersions)."
node out/check.cjs | tee "$work/results.log"

step "install the tarball in a viem-only project (peers omitted, no ethers)"
mkdir "$work/viem-consumer"
cp "$VIEM_TEMPLATE"/main.mts "$VIEM_TEMPLATE"/tsconfig.json "$work/viem-consumer/"
cd "$work/viem-consumer"
printf '{ "name": "datacoop-viem-consumer", "version": "0.0.0", "private": true }\n' >package.json
npm install "${NPM_FLAGS[@]}" --omit=peer "$work/$tarball" "viem@$VIEM_VERSION" typescript@5.9.3 "@types/node@^20" >/dev/null
[[ ! -e node_modules/ethers ]] || fail "ethers is in the viem-only project's node_modules: something depends on it."
./node_modules/.bin/tsc -p tsconfig.json || fail "the viem-only consumer does not type-check against the package (strict, no casts)."

step "start hardhat node on port $PORT"
if rpc_answers "$RPC_URL"; then
  fail "something already answers on $RPC_URL; stop it or set DATACOOP_CONSUMER_PORT to a free port."
fi
# In its own process group (setsid): `hardhat node` may re-execute itself in a child that holds the port,
# and cleanup signals the whole group.
(cd "$REPO" && exec setsid "$HARDHAT" node --hostname 127.0.0.1 --port "$PORT") >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do
  rpc_answers "$RPC_URL" && break
  kill -0 "$node_pid" 2>/dev/null || fail "hardhat node exited before answering (log below)."
  sleep 0.5
done
rpc_answers "$RPC_URL" || fail "hardhat node did not answer on $RPC_URL within 60 s."

step "deploy DataCoopLocal with Ignition"
cd "$REPO"
# `localhost` points at this node through LOCALHOST_RPC_URL (hardhat.config.ts), never at a developer's 8545.
LOCALHOST_RPC_URL="$RPC_URL" HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1 "$HARDHAT" ignition deploy deploy/modules/DataCoopLocal.ts \
  --network localhost --parameters deploy/parameters/localhost.json --deployment-id "$DEPLOYMENT_ID" \
  >"$work/deploy.log" 2>&1 || {
  cat "$work/deploy.log" >&2
  fail "the Ignition deployment to $RPC_URL failed (output above)."
}
[[ -f "$DEPLOYMENT_DIR/deployed_addresses.json" ]] || fail "Ignition wrote no $DEPLOYMENT_DIR/deployed_addresses.json."

step "run the consumer against the node"
cd "$work/consumer"
DATACOOP_RPC_URL="$RPC_URL" DATACOOP_DEPLOYED_ADDRESSES="$DEPLOYMENT_DIR/deployed_addresses.json" \
  node out/main.mjs | tee -a "$work/results.log"
cd "$work/viem-consumer"
DATACOOP_RPC_URL="$RPC_URL" DATACOOP_DEPLOYED_ADDRESSES="$DEPLOYMENT_DIR/deployed_addresses.json" \
  node out/main.mjs | tee -a "$work/results.log"

passed="$(grep -c '^ok:' "$work/results.log")"
printf '\nPASS: @datacoop/protocol installs from its tarball (with ethers, and viem-only), type-checks and works against a local node (%ss)\n' \
  "$((SECONDS - started))"
printf 'package consumer: %s passed, 0 failed\n' "$passed"
