/**
 * Static checks over the compiler's AST (run after `hardhat compile`):
 *
 * 1. every external or public state-changing function declared in a DataCoop contract emits an event,
 *    directly or through the internal functions it calls (followed transitively, OpenZeppelin included);
 * 2. every function restricted with `onlyRole(DEFAULT_ADMIN_ROLE)` is an admin power; the deployment
 *    gives that role to the timelock alone (checked by test/deployment.test.ts), so listing them here
 *    and failing on any admin-looking function without the modifier keeps every admin power with the
 *    timelock.
 *
 *   npx hardhat run scripts/checks/static.ts
 */
import { artifacts } from "hardhat";
import { walk, type AstNode } from "../package/solc-output";

const DEPLOYABLE = [
  "contracts/CoopToken.sol:CoopToken",
  "contracts/CoopGovernor.sol:CoopGovernor",
  "contracts/ContributionRegistry.sol:ContributionRegistry",
  "contracts/RevenueDistributor.sol:RevenueDistributor",
  "contracts/AccessEscrow.sol:AccessEscrow",
];

/** Functions whose name says "governance parameter"; each must carry the admin modifier... */
const ADMIN_NAME = /^(set|define)[A-Z]/;
/** ...except these, which are not admin powers (each with the reason). */
const NOT_ADMIN: Record<string, string> = {
  "CoopToken.setMinter": "one-shot wiring by the deployer during deployment; no power remains after it",
  "ContributionRegistry.setPurposes": "a contributor's own consent, restricted to the contribution's owner",
};

async function main() {
  const failures: string[] = [];
  const admin: string[] = [];
  let checked = 0;
  for (const fqn of DEPLOYABLE) {
    const buildInfo = await artifacts.getBuildInfo(fqn);
    if (!buildInfo) throw new Error(`No build info for ${fqn}: run \`npx hardhat compile\` first.`);
    const [sourcePath, contractName] = fqn.split(":");
    const byId = new Map<number, AstNode>();
    for (const source of Object.values(buildInfo.output.sources)) {
      walk(source.ast, (n) => {
        if (typeof n.id === "number") byId.set(n.id, n);
      });
    }
    const emits = new Map<number, boolean>();
    const reachesEmit = (fn: AstNode, seen = new Set<number>()): boolean => {
      const cached = emits.get(fn.id);
      if (cached !== undefined) return cached;
      if (seen.has(fn.id)) return false;
      seen.add(fn.id);
      let found = false;
      const inspect = (n: AstNode) => {
        if (found) return;
        if (n.nodeType === "EmitStatement") found = true;
        else if (n.referencedDeclaration !== undefined) {
          const target = byId.get(n.referencedDeclaration);
          if (target && (target.nodeType === "FunctionDefinition" || target.nodeType === "ModifierDefinition")) {
            if (reachesEmit(target, seen)) found = true;
          }
        }
      };
      walk(fn.body, inspect);
      walk(fn.modifiers, inspect);
      emits.set(fn.id, found);
      return found;
    };

    const ast = buildInfo.output.sources[sourcePath].ast as AstNode;
    walk(ast, (contract) => {
      if (contract.nodeType !== "ContractDefinition" || contract.name !== contractName) return;
      walk(contract.nodes, (fn) => {
        if (fn.nodeType !== "FunctionDefinition" || fn.kind !== "function") return;
        if (fn.visibility !== "external" && fn.visibility !== "public") return;
        if (fn.stateMutability === "view" || fn.stateMutability === "pure") return;
        checked += 1;
        const where = `${contractName}.${fn.name}`;
        if (!reachesEmit(fn)) failures.push(`${where} changes state but emits no event`);
        // The Governor's own settings are changed by a passed proposal through the timelock (`onlyGovernance`).
        const isAdmin = (fn.modifiers ?? []).some(
          (m) =>
            (m.modifierName?.name === "onlyRole" &&
              JSON.stringify(m.arguments ?? []).includes('"name":"DEFAULT_ADMIN_ROLE"')) ||
            m.modifierName?.name === "onlyGovernance",
        );
        if (isAdmin) admin.push(where);
        else if (ADMIN_NAME.test(fn.name ?? "") && !(where in NOT_ADMIN))
          failures.push(`${where} looks like an admin setter but is not onlyRole(DEFAULT_ADMIN_ROLE)`);
      });
    });
  }
  console.log(`Static checks: ${checked} external state-changing functions in ${DEPLOYABLE.length} contracts.`);
  console.log(`Timelock-only (DEFAULT_ADMIN_ROLE): ${admin.join(", ")}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} problem(s):\n- ${failures.join("\n- ")}`);
    process.exitCode = 1;
  } else {
    console.log("Every state-changing function emits an event; every admin setter is timelock-only.");
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
