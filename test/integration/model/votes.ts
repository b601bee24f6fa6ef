import { ZeroAddress } from "ethers";

/** A value from a timepoint on (ERC20Votes checkpoints are keyed by the block timestamp). */
interface Checkpoint {
  timepoint: bigint;
  value: bigint;
}

/** Pushes `value` at `timepoint`, overwriting the last checkpoint when it has the same timepoint (as OZ does). */
function push(checkpoints: Checkpoint[], timepoint: bigint, value: bigint): void {
  const last = checkpoints[checkpoints.length - 1];
  if (last && last.timepoint === timepoint) last.value = value;
  else checkpoints.push({ timepoint, value });
}

/** The value in force at `timepoint`: the last checkpoint at or before it. */
function valueAt(checkpoints: Checkpoint[], timepoint: bigint): bigint {
  for (let i = checkpoints.length - 1; i >= 0; i--) {
    if (checkpoints[i].timepoint <= timepoint) return checkpoints[i].value;
  }
  return 0n;
}

/**
 * CoopToken as a plain ledger: balances, delegation (with the "never delegated → self-delegated on first
 * reward" rule and the sticky opt-out of an explicit delegation to nobody), vote and supply checkpoints.
 */
export class VotesModel {
  private readonly balances = new Map<string, bigint>();
  private readonly delegatees = new Map<string, string>();
  private readonly optedOut = new Set<string>();
  private readonly votes = new Map<string, Checkpoint[]>();
  private readonly supply: Checkpoint[] = [];
  totalSupply = 0n;

  balanceOf(account: string): bigint {
    return this.balances.get(account) ?? 0n;
  }

  delegateOf(account: string): string {
    return this.delegatees.get(account) ?? ZeroAddress;
  }

  getVotes(account: string): bigint {
    const checkpoints = this.votes.get(account) ?? [];
    return checkpoints.length === 0 ? 0n : checkpoints[checkpoints.length - 1].value;
  }

  getPastVotes(account: string, timepoint: bigint): bigint {
    return valueAt(this.votes.get(account) ?? [], timepoint);
  }

  getPastTotalSupply(timepoint: bigint): bigint {
    return valueAt(this.supply, timepoint);
  }

  /** The initial supply minted at deployment, to an account that never delegated. */
  seed(account: string, amount: bigint): void {
    this.balances.set(account, amount);
    this.totalSupply = amount;
    push(this.supply, 0n, amount);
  }

  /** `CoopToken.mint` after the cap cut: `amount` is what was actually minted. */
  mint(to: string, amount: bigint, timepoint: bigint): void {
    if (amount === 0n) return;
    if (!this.optedOut.has(to) && this.delegateOf(to) === ZeroAddress) this.delegate(to, to, timepoint);
    this.balances.set(to, this.balanceOf(to) + amount);
    this.totalSupply += amount;
    push(this.supply, timepoint, this.totalSupply);
    this.moveVotes(ZeroAddress, this.delegateOf(to), amount, timepoint);
  }

  /** The error `transfer` fails with, if any. */
  transferError(from: string, amount: bigint): string | undefined {
    return this.balanceOf(from) < amount ? "ERC20InsufficientBalance" : undefined;
  }

  transfer(from: string, to: string, amount: bigint, timepoint: bigint): void {
    this.balances.set(from, this.balanceOf(from) - amount);
    this.balances.set(to, this.balanceOf(to) + amount);
    this.moveVotes(this.delegateOf(from), this.delegateOf(to), amount, timepoint);
  }

  delegate(account: string, delegatee: string, timepoint: bigint): void {
    if (delegatee === ZeroAddress) this.optedOut.add(account);
    const previous = this.delegateOf(account);
    this.delegatees.set(account, delegatee);
    this.moveVotes(previous, delegatee, this.balanceOf(account), timepoint);
  }

  private moveVotes(from: string, to: string, amount: bigint, timepoint: bigint): void {
    if (from === to || amount === 0n) return;
    if (from !== ZeroAddress) this.setVotes(from, this.getVotes(from) - amount, timepoint);
    if (to !== ZeroAddress) this.setVotes(to, this.getVotes(to) + amount, timepoint);
  }

  private setVotes(account: string, value: bigint, timepoint: bigint): void {
    const checkpoints = this.votes.get(account) ?? [];
    push(checkpoints, timepoint, value);
    this.votes.set(account, checkpoints);
  }
}
