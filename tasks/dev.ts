/** Local-network helpers: fund a buyer with mock USDC, move the clock. Refused on any other network. */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import {
  type AccountArgs,
  type DeploymentArgs,
  action,
  connect,
  isLocal,
  loadRoles,
  roleTask,
  signerFor,
} from "./common";

async function requireLocal(hre: HardhatRuntimeEnvironment, name: string): Promise<void> {
  if (!(await isLocal(hre))) {
    const roles = await loadRoles();
    throw new roles.RoleError(
      "CONFIG",
      `${name} works on local networks only (chain 31337); ${hre.network.name} is not one.`,
    );
  }
}

interface FundArgs extends DeploymentArgs, AccountArgs {
  amount: string;
}

roleTask(
  "dev:fund",
  "Local networks only: mints mock settlement tokens (MockUSDC, open mint) to an account, e.g. a buyer",
)
  .addOptionalParam("amount", "Whole tokens to mint", "10000", types.string)
  .setAction(
    action<FundArgs>(async (args, hre) => {
      await requireLocal(hre, "dev:fund");
      const roles = await loadRoles();
      const { MockUSDC__factory } = await import("../typechain-types/factories/contracts/mocks/MockUSDC__factory");
      const coop = await connect(hre, args);
      const signer = await signerFor(hre, args.account);
      const decimals = Number(await coop.settlementToken.decimals());
      const amount = roles.parseTokenAmount(args.amount, decimals, "--amount");
      const usdc = MockUSDC__factory.connect(coop.addresses.settlementToken, signer);
      await roles.transact(
        "mint mock settlement tokens (is the settlement token MockUSDC?)",
        usdc.mint,
        signer.address,
        amount,
      );
      const balance = await coop.settlementToken.balanceOf(signer.address);
      console.log(
        `Minted ${args.amount} ${await coop.settlementToken.symbol()} to ${signer.address}; balance ${roles.formatTokenAmount(balance, decimals)}.`,
      );
    }),
  );

interface AdvanceArgs {
  by: string;
}

task(
  "dev:advance",
  "Local networks only: moves the chain's clock forward and mines a block (to pass voting and objection periods)",
)
  .addParam("by", "How far: seconds or e.g. 11m, 2h, 1d", undefined, types.string)
  .setAction(
    action<AdvanceArgs>(async (args, hre) => {
      await requireLocal(hre, "dev:advance");
      const roles = await loadRoles();
      const seconds = roles.parseDuration(args.by, "--by");
      await hre.network.provider.request({ method: "evm_increaseTime", params: [seconds] });
      await hre.network.provider.request({ method: "evm_mine", params: [] });
      console.log(`Chain time is now ${roles.formatTime(await roles.chainTime(hre.ethers.provider))}.`);
    }),
  );
