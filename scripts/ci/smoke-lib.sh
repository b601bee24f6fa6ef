# Shared pieces of the smoke tests (sourced, not run): background processes in their own process groups,
# stopped as groups on exit (`npx hardhat node` re-executes itself in a child that holds the port), JSON-RPC
# calls, JSON fields, and commands that must fail with a given message. The caller sets RPC and WORK.

BACKGROUND_PIDS=()
STARTED=$SECONDS
# The repository's own binaries, without npx: npx starts npm first, about 0.6 s of CPU on each of the
# smokes' fifty-odd commands.
HARDHAT="node_modules/.bin/hardhat"
TS_NODE="node_modules/.bin/ts-node"

# Compiles, unless the caller already did: `npm test` (scripts/ci/test.ts) compiles once and sets
# DATACOOP_COMPILED=1 before running the smokes side by side, where each one's no-op compile would race the
# other's on Hardhat's cache file.
compile() {
  if [[ "${DATACOOP_COMPILED:-}" == "1" ]]; then
    echo "already compiled (DATACOOP_COMPILED=1)"
  else
    "$HARDHAT" compile "$@"
  fi
}

# Starts a command in its own process group, output to a log file: background <log> <command...>
background() {
  local log="$1"
  shift
  set -m
  "$@" >"$log" 2>&1 &
  BACKGROUND_PIDS+=("$!")
  set +m
}

# The EXIT trap: stops every background group, reports a failure with the node log, removes $WORK and
# the extra paths given.
smoke_cleanup() {
  local status=$?
  for pid in "${BACKGROUND_PIDS[@]}"; do
    kill -TERM -- "-${pid}" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $status -ne 0 ]]; then
    echo "smoke: FAILED (exit ${status}) after $((SECONDS - STARTED)) s" >&2
    if [[ -f "${WORK}/node.log" ]]; then
      echo "smoke: last lines of the node log:" >&2
      tail -n 20 "${WORK}/node.log" >&2 || true
    fi
  fi
  rm -rf "$WORK" "$@"
  exit "$status"
}

step() { printf '\nsmoke [%3d s]: %s\n' "$((SECONDS - STARTED))" "$*"; }

# A JSON-RPC call to the node; prints the result as JSON, fails if the node does not answer.
rpc() {
  node -e '
    const [url, method, params] = process.argv.slice(1);
    fetch(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: JSON.parse(params) }) })
      .then((r) => r.json())
      .then((j) => { if (j.error) process.exit(1); console.log(JSON.stringify(j.result)); })
      .catch(() => process.exit(1));' "$RPC" "$1" "${2:-[]}"
}

# Moves the node's clock forward and mines a block.
advance() { rpc evm_increaseTime "[$1]" >/dev/null && rpc evm_mine >/dev/null; }

# Waits up to 60 s for the node started last to answer.
wait_for_node() {
  local pid="${BACKGROUND_PIDS[-1]}"
  for _ in $(seq 1 120); do
    if rpc eth_chainId >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "smoke: the node exited while starting" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "smoke: the node did not answer within 60 s" >&2
  return 1
}

# A free TCP port on 127.0.0.1, chosen now.
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Reads a field of a JSON file: json_get <file> <field>
json_get() {
  node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]];
    if (v === undefined) { console.error(`no field ${process.argv[2]} in ${process.argv[1]}`); process.exit(1); }
    console.log(v);' "$1" "$2"
}

# Runs a command that must fail, and checks its message: refuse "<expected message part>" <command...>
refuse() {
  local expected="$1"
  shift
  if "$@" >"${WORK}/refused.log" 2>&1; then
    echo "smoke: '$*' should have failed" >&2
    return 1
  fi
  if ! grep -q -- "$expected" "${WORK}/refused.log"; then
    echo "smoke: '$*' failed without saying '${expected}':" >&2
    cat "${WORK}/refused.log" >&2
    return 1
  fi
  echo "refused as expected: ${expected}"
}
