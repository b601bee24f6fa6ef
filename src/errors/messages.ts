/**
 * One table from a contract error's name to a sentence a user can act on, shared by the role library,
 * the command line and the member app. Keys and argument names are typed from the generated ABIs: a
 * renamed error (or argument) fails the build here, not in front of a user, and so does an error of our own
 * contracts (named `<Contract><Reason>`, see `OWN_ERROR_PREFIXES`) without an entry. OpenZeppelin's errors
 * have entries where a user can meet them; the rest (internal checks our contracts cannot reach, see
 * test/package/errors.test.ts for why each) are shown by their decoded signature instead.
 *
 * Messages never quote a contributor's data: arguments are addresses, hashes, ids, amounts and times.
 */
import type { AbiArgs } from "../codec/abi-types";
import {
  CONTRIBUTION_STATUS,
  PROPOSAL_STATE,
  type ProposalStateName,
  REQUEST_STATUS,
  enumName,
} from "../protocol/constants";
import type { DataCoopError, DataCoopErrorName, DecodedError } from "./decode";

/** The typed arguments of the error `Name`. */
export type ErrorArgs<Name extends DataCoopErrorName> = Extract<DataCoopError, { readonly name: Name }>["args"];

/** A message for each error (by name) that a user can meet, built from the error's typed arguments. */
export type ErrorMessages = { readonly [Name in DataCoopErrorName]?: (args: ErrorArgs<Name>) => string };

/**
 * How the errors our own contracts declare begin (`<Contract><Reason>`: ContributionRegistry's are
 * `Registry…`). OpenZeppelin names none this way; the errors spec checks that every error declared under
 * contracts/ begins with one of them, so a new contract's errors cannot slip past `OwnErrorMessages`.
 */
export const OWN_ERROR_PREFIXES = ["Registry", "Distributor", "Escrow", "CustodianSet", "CoopToken"] as const;

/** The errors our own contracts declare. */
type OwnErrorName = Extract<DataCoopErrorName, `${(typeof OWN_ERROR_PREFIXES)[number]}${string}`>;

/** `ErrorMessages` with an entry required for every error of our own contracts. */
type OwnErrorMessages = ErrorMessages & { readonly [Name in OwnErrorName]: (args: ErrorArgs<Name>) => string };

/** A Unix time as ISO 8601 UTC (`2025-01-31T12:00:00Z`). */
function time(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

const requestStatus = (status: bigint) => enumName(REQUEST_STATUS, status) ?? `status ${status}`;
const contributionStatus = (status: bigint) => enumName(CONTRIBUTION_STATUS, status) ?? `status ${status}`;
const proposalState = (state: bigint) => enumName(PROPOSAL_STATE, state) ?? `state ${state}`;

/** What a member can do next, by the state a proposal is in when a vote, queue or execute is refused. */
const PROPOSAL_STATE_HINTS: Readonly<Partial<Record<ProposalStateName, string>>> = {
  Pending: " Voting opens after the proposal's snapshot (the voting delay); vote then.",
  Active: " Voting is still open: it can be queued once voting ends, if it passed.",
  Succeeded: " It passed: queue it next.",
  Queued: " It is queued: execute it once the timelock delay has passed.",
};

const hintFor = (state: bigint): string => {
  const name = enumName(PROPOSAL_STATE, state);
  return (name && PROPOSAL_STATE_HINTS[name]) ?? "";
};

/** What to do about each contract error a user can cause. */
export const ERROR_MESSAGES = {
  // ContributionRegistry: contributing.
  RegistryNotContributor: ({ caller, contributor }) =>
    `The attestation is for contributor ${contributor} but the sender is ${caller}: send from the attested account, or get an attestation for this one.`,
  RegistryAttestationExpired: ({ deadline, now_ }) =>
    `The attestation expired at ${time(deadline)} (chain time ${time(now_)}); ask the validators for a fresh one.`,
  RegistryBelowThreshold: ({ signatures, threshold }) =>
    `${signatures} validator signature(s) given, ${threshold} needed; collect the attestations of more validators.`,
  RegistryUnknownValidator: ({ signer }) =>
    `${signer} is not a validator (or signed other data: check the chain and registry of the attestation).`,
  RegistryDuplicateValidator: ({ signer }) => `Validator ${signer} signed twice; give each validator's signature once.`,
  RegistryValidatorsNotAscending: () =>
    "The signatures must be ordered by ascending validator address (orderSignatures does it).",
  RegistryDuplicateContent: ({ contentHash }) =>
    `The content hash ${contentHash} is already registered; a ciphertext registers once, ever. Encrypt the export again for a new one.`,
  RegistrySourceBoundToOther: ({ wallet }) =>
    `This export's account was first contributed by ${wallet}; only that wallet may contribute it again.`,
  RegistryUnknownPurpose: ({ purposes, defined }) =>
    `The consent mask ${purposes} names purposes the registry does not define (defined: mask ${defined}).`,
  RegistryTooManyUnits: ({ units, max }) =>
    `The attestation carries ${units} units; at most ${max} are allowed per attestation. Split the export.`,
  RegistryQualityOutOfRange: ({ quality }) =>
    `The attested quality ${quality} is outside 1..10000 basis points; ask the validators again.`,
  RegistryZeroUnits: () => "The attestation has zero units; there is nothing to register.",
  RegistryZeroContentHash: () => "The content hash is zero; attest the ciphertext's keccak256.",
  RegistryZeroSourceHash: () => "The source hash is zero; attest the export's source-account hash.",
  // ContributionRegistry: a registered contribution.
  RegistryNotOwner: ({ contentHash, caller, owner }) =>
    `The contribution ${contentHash} belongs to ${owner}, not ${caller}; only its owner may change it.`,
  RegistryNotActive: ({ contentHash, status }) =>
    `The contribution ${contentHash} is ${contributionStatus(status)}; only an active contribution can change.`,
  // ContributionRegistry: governance.
  RegistryValidatorsBelowThreshold: ({ validators, threshold }) =>
    `Only ${validators} validator(s) would remain, fewer than the threshold ${threshold}; lower the threshold first.`,
  RegistryInvalidThreshold: ({ threshold, validators }) =>
    `A threshold of ${threshold} is not between 1 and the ${validators} validator(s).`,
  RegistryRewardRateTooHigh: ({ rate, max }) => `The reward rate ${rate} exceeds the maximum ${max}.`,
  RegistryInvalidMaxUnits: ({ maxUnits }) => `${maxUnits} is not a valid maximum of units per attestation.`,
  RegistryInvalidMintBudget: ({ budget, period }) =>
    `A mint budget of ${budget} per ${period} s is not valid (period out of range, or budget below one attestation's reward).`,
  RegistryInvalidPurposeId: ({ purpose }) => `Purpose ${purpose} is not a purpose id (0 to 15).`,
  RegistryKeyNotOfValidator: ({ account }) => `${account} is not a validator; only validators publish an ECIES key.`,
  RegistryInvalidValidatorKey: ({ index, length }) =>
    `Validator key #${index} is ${length} bytes; give an uncompressed secp256k1 public key (65 bytes).`,
  // ContributionRegistry: deployment.
  RegistryZeroAddress: () =>
    "The registry needs the token, distributor and timelock addresses at deployment, and one is zero; give the deployed contracts' addresses.",
  RegistryZeroValidator: ({ index }) =>
    `Validator #${index} given at deployment is the zero address; give each validator's account.`,
  RegistryPurposeLengthMismatch: ({ names, uris }) =>
    `${names} purpose name(s) but ${uris} metadata URI(s) were given at deployment; give one URI per name.`,
  RegistryTooManyPurposes: ({ count, max }) =>
    `${count} purposes were given at deployment; a consent mask holds at most ${max}. Seed fewer.`,
  // RevenueDistributor.
  DistributorZeroAmount: () => "There is nothing to claim yet.",
  DistributorNoConsentingWeight: ({ purpose }) =>
    `No active contribution consents to purpose ${purpose} any more, so its fee cannot be shared.`,
  DistributorInvalidPurpose: ({ purpose }) => `Purpose ${purpose} is not a purpose id (0 to 15).`,
  DistributorInvalidRecipient: ({ to }) => `${to} cannot receive the claim; name another recipient.`,
  DistributorConsentEpochOutOfRange: ({ length, min, max }) =>
    `A consent epoch of ${length} s is outside ${min}..${max} s.`,
  DistributorUnexpectedTransfer: ({ expected, received }) =>
    `${received} settlement units arrived of the ${expected} deposited (a token that takes a fee or rebases); the coop can only settle in a token that moves exact amounts.`,
  DistributorBalanceTooLarge: ({ balance, max }) =>
    `This deposit would leave the distributor holding ${balance} settlement units, above its limit of ${max}; contributors' claims lower it, or request a smaller fee.`,
  DistributorWeightOverflow: ({ purpose, weight }) =>
    `Purpose ${purpose} would reach a total weight of ${weight}, above what the distributor tracks (2^64 - 1); register a smaller contribution, and ask governance to lower the maximum units per attestation.`,
  DistributorWeightUnderflow: ({ account, purpose, weight, decrease }) =>
    `A weight decrease of ${decrease} was reported for ${account} in purpose ${purpose}, which holds ${weight}: an accounting fault in the contracts. Report the transaction to the coop's maintainers.`,
  DistributorUnauthorizedRegistry: ({ caller }) =>
    `Only the ContributionRegistry reports weight changes; ${caller} is not it.`,
  DistributorUnauthorizedWiring: ({ caller }) =>
    `The distributor is wired to its registry once, by its deployer; ${caller} is not the deployer, or it is wired already.`,
  DistributorZeroAddress: () =>
    "An address the distributor needs (settlement token, timelock or registry) is zero; give the deployed one.",
  // AccessEscrow: requests.
  EscrowUnknownRequest: ({ requestId }) => `There is no request #${requestId}; check the id.`,
  EscrowInvalidStatus: ({ requestId, status }) =>
    `Request #${requestId} is ${requestStatus(status)}, which does not allow this.`,
  EscrowNotBuyer: ({ requestId, buyer }) => `Request #${requestId} was made by ${buyer}; only that buyer may do this.`,
  EscrowUnknownPurpose: ({ purpose }) =>
    `Purpose ${purpose} is not defined in the registry; list the purposes and pick a defined one.`,
  EscrowInvalidPurposeId: ({ purpose }) => `Purpose ${purpose} is not a purpose id (0 to 15).`,
  EscrowInvalidAmount: ({ amount }) => `The fee ${amount} must be more than zero and fit in 128 bits.`,
  EscrowInvalidDuration: ({ duration }) => `A grant of ${duration} s is not allowed; ask for a shorter, non-zero one.`,
  EscrowZeroTermsHash: () => "The terms hash is zero; give the keccak256 of the terms document.",
  EscrowInvalidPublicKey: () => "The buyer public key must be a secp256k1 public key of 33 or 65 bytes.",
  EscrowNoConsentingWeight: ({ requestId, purpose }) =>
    `No active contribution consents to purpose ${purpose} (request #${requestId}); consent given in this epoch counts from the next one.`,
  EscrowDecisionDeadlinePassed: ({ requestId, decisionDeadline }) =>
    `Request #${requestId} had to be decided by ${time(decisionDeadline)}; it can only expire now.`,
  EscrowDecisionDeadlineNotPassed: ({ requestId, decisionDeadline }) =>
    `Request #${requestId} can be decided until ${time(decisionDeadline)}; it expires only after that.`,
  EscrowNoRefundOwed: ({ buyer }) => `No refund is kept for ${buyer}.`,
  EscrowInvalidRecipient: ({ to }) => `${to} cannot receive the refund; name another recipient.`,
  EscrowUnexpectedTransfer: ({ expected, received }) =>
    `${received} settlement units arrived of the ${expected} asked (the settlement token takes a fee or moved another amount); nothing was taken. Tell governance: the escrow needs a token that moves exact amounts.`,
  EscrowInsolvent: ({ balance, heldFees }) =>
    `The escrow would hold ${balance} settlement units, less than the ${heldFees} in fees it owes (the token moved more than asked); the transaction was undone. Tell governance about the token.`,
  // AccessEscrow: objections.
  EscrowNotOptimistic: ({ requestId }) =>
    `Request #${requestId} did not meet standing terms; a Governor proposal decides it (vote on that instead).`,
  EscrowObjectionWindowClosed: ({ requestId, objectionDeadline }) =>
    `The objection window of request #${requestId} closed at ${time(objectionDeadline)}.`,
  EscrowObjectionWindowOpen: ({ requestId, objectionDeadline }) =>
    `The objection window of request #${requestId} is open until ${time(objectionDeadline)}; finalize after it.`,
  EscrowNoVotes: ({ requestId, account, timepoint }) =>
    `${account} had no votes just before request #${requestId} (${time(timepoint)}); only votes delegated before a request count against it.`,
  EscrowAlreadyObjected: ({ requestId, account }) => `${account} has already objected to request #${requestId}.`,
  // AccessEscrow: delivery.
  EscrowNotCustodian: ({ account, setVersion }) =>
    `${account} is not a custodian of set version ${setVersion}; post from a custodian's account.`,
  EscrowAlreadyPosted: ({ requestId, custodian, setVersion }) =>
    `Custodian ${custodian} has already posted its share for request #${requestId} (set version ${setVersion}).`,
  EscrowDeliveryDeadlinePassed: ({ requestId, deliveryDeadline }) =>
    `The delivery deadline of request #${requestId} passed at ${time(deliveryDeadline)}; it can only be marked undelivered.`,
  EscrowDeliveryDeadlineNotPassed: ({ requestId, deliveryDeadline }) =>
    `Request #${requestId} can still be delivered until ${time(deliveryDeadline)}.`,
  EscrowStaleEpoch: ({ requestId, epoch, currentEpoch }) =>
    `The manifest for request #${requestId} covers consent epoch ${epoch}, but the current one is ${currentEpoch}; build it again.`,
  EscrowManifestOutdated: ({ requestId }) =>
    `A contribution withdrew its consent after the manifest for request #${requestId} was built; build it again from the current state.`,
  EscrowInvalidBuildTime: ({ requestId }) =>
    `The manifest for request #${requestId} states a build time outside the current consent epoch; build it again.`,
  EscrowZeroSetHash: () => "The eligible set hash is zero; post the hash of the manifest's set.",
  EscrowZeroManifestHash: () => "The manifest hash is zero; post the keccak256 of the stored manifest.",
  // AccessEscrow: governance.
  EscrowInvalidStandingTerms: ({ purpose }) =>
    `These standing terms for purpose ${purpose} are not valid (a duration, window or threshold is out of range).`,
  EscrowObjectionWindowTooLong: ({ purpose, objectionWindow, decisionPeriod }) =>
    `An objection window of ${objectionWindow} s for purpose ${purpose} does not fit the decision period of ${decisionPeriod} s.`,
  EscrowPeriodOutOfRange: ({ period, min, max }) => `A period of ${period} s is outside ${min}..${max} s.`,
  EscrowTreasuryShareTooHigh: ({ shareBps, maxBps }) =>
    `A treasury share of ${shareBps} bps exceeds the maximum of ${maxBps} bps.`,
  // AccessEscrow: deployment.
  EscrowZeroAddress: () =>
    "An address the escrow needs (a contract at deployment, or the new treasury) is zero; give a real address.",
  EscrowClockNotTimestamp: () =>
    "The governance token's ERC-6372 clock is not in timestamp mode; deploy the escrow with a token whose clock counts seconds (CoopToken's does).",
  EscrowSettlementTokenMismatch: ({ escrowToken, distributorToken }) =>
    `The escrow settles in ${escrowToken} but the distributor pays out ${distributorToken}; deploy both with the same settlement token.`,
  // CustodianSet.
  CustodianSetNotTimelock: ({ caller }) => `Only the timelock may change the custodians; ${caller} is not it.`,
  CustodianSetUnknownVersion: ({ version, currentVersion }) =>
    `Custodian set version ${version} does not exist (the current one is ${currentVersion}).`,
  CustodianSetInvalidThreshold: ({ threshold, count }) =>
    `A threshold of ${threshold} is not between 1 and the ${count} custodian(s).`,
  CustodianSetInvalidPublicKey: ({ index }) => `Custodian key #${index} is not a valid secp256k1 public key.`,
  CustodianSetDuplicatePublicKey: ({ index }) => `Custodian key #${index} is listed twice.`,
  CustodianSetDuplicateAccount: ({ account }) => `Custodian ${account} is listed twice.`,
  CustodianSetLengthMismatch: ({ accounts, publicKeys }) =>
    `${accounts} custodian account(s) but ${publicKeys} public key(s); give one key per account.`,
  CustodianSetInvalidSize: ({ count, max }) => `${count} custodians given; between 1 and ${max} are allowed.`,
  CustodianSetZeroAccount: ({ index }) => `Custodian #${index} is the zero address.`,
  CustodianSetZeroTimelock: () =>
    "The custodian set needs the timelock's address at deployment, and it is zero; give the deployed timelock.",
  // CoopToken.
  CoopTokenUnauthorizedMinter: ({ caller }) =>
    `Only the ContributionRegistry mints; ${caller} is not it. Tokens are earned by registering a contribution.`,
  CoopTokenUnauthorizedWirer: ({ caller }) =>
    `${caller} is not the token's deployer; only the deployer sets the minter, once, during deployment.`,
  CoopTokenMinterAlreadySet: ({ minter }) =>
    `The token's minter is already ${minter} and never changes; a new registry needs a new token.`,
  CoopTokenZeroMinter: () => "The minter cannot be the zero address; give the ContributionRegistry's address.",
  CoopTokenInvalidCap: ({ cap }) =>
    `A supply cap of ${cap} is not valid; give a cap above zero and at most 2^208 - 1 (what ERC20Votes tracks).`,
  CoopTokenInvalidInitialSupply: ({ treasury, amount, cap }) =>
    `An initial supply of ${amount} to ${treasury} is not valid; it must be at most the cap ${cap}, and a non-zero supply needs a non-zero treasury.`,
  // Governor and timelock.
  GovernorInsufficientProposerVotes: ({ proposer, votes, threshold }) =>
    `${proposer} has ${votes} votes but proposing needs ${threshold}; delegate votes to the proposer first.`,
  GovernorUnexpectedProposalState: ({ proposalId, current }) =>
    `Proposal ${proposalId} is ${proposalState(current)}, which does not allow this.${hintFor(current)}`,
  GovernorAlreadyCastVote: ({ voter }) => `${voter} has already voted on this proposal.`,
  GovernorNonexistentProposal: ({ proposalId }) => `There is no proposal ${proposalId}; check the id.`,
  GovernorInvalidProposalLength: ({ targets, calldatas, values }) =>
    `A proposal needs as many targets (${targets}), calldatas (${calldatas}) and values (${values}), at least one.`,
  GovernorInvalidVoteType: () => "The vote must be against (0), for (1) or abstain (2).",
  GovernorAlreadyQueuedProposal: ({ proposalId }) => `Proposal ${proposalId} is already queued.`,
  GovernorNotQueuedProposal: ({ proposalId }) => `Proposal ${proposalId} is not queued; queue it first.`,
  GovernorRestrictedProposer: ({ proposer }) => `${proposer} may not make this proposal.`,
  GovernorUnableToCancel: ({ proposalId, account }) => `${account} cannot cancel proposal ${proposalId}.`,
  GovernorOnlyExecutor: ({ account }) => `Only the timelock may do this; ${account} is not it.`,
  GovernorInvalidSignature: ({ voter }) =>
    `The vote signature does not recover to ${voter} for this proposal, support and nonce; sign the vote again.`,
  GovernorDisabledDeposit: () => "The Governor takes no ether; send ether to the timelock instead.",
  GovernorInvalidQuorumFraction: ({ quorumNumerator, quorumDenominator }) =>
    `A quorum of ${quorumNumerator}/${quorumDenominator} exceeds the whole supply; give a numerator of at most ${quorumDenominator}.`,
  GovernorInvalidVotingPeriod: ({ votingPeriod }) =>
    `A voting period of ${votingPeriod} s is not allowed; give one of at least 1 s.`,
  TimelockUnexpectedOperationState: () =>
    "The timelock operation is not in the expected state: wait for the proposal's ETA, or queue it first.",
  FailedCall: () =>
    "A call of the operation failed without a reason; simulate each target and calldata of the proposal to find which.",
  TimelockInsufficientDelay: ({ delay, minDelay }) => `A delay of ${delay} s is below the minimum ${minDelay} s.`,
  TimelockUnauthorizedCaller: ({ caller }) => `${caller} may not call the timelock directly; go through a proposal.`,
  // OpenZeppelin: roles and tokens.
  AccessControlUnauthorizedAccount: ({ account, neededRole }) =>
    `${account} lacks the role ${neededRole} this needs; send from an account that holds it (governance grants roles).`,
  AccessControlBadConfirmation: () =>
    "A role is renounced only by its holder for itself: send renounceRole from the account named in it.",
  SafeCastOverflowedUintDowncast: ({ bits, value }) =>
    `The value ${value} does not fit in ${bits} bits; give a smaller one.`,
  ERC20InsufficientBalance: ({ sender, balance, needed }) =>
    `${sender} holds ${balance} but ${needed} is needed; fund the account first.`,
  ERC20InsufficientAllowance: ({ spender, allowance, needed }) =>
    `The allowance of ${spender} is ${allowance} but ${needed} is needed; approve it first.`,
  ERC20InvalidReceiver: ({ receiver }) => `${receiver} cannot receive tokens.`,
  ERC5805FutureLookup: ({ timepoint, clock }) =>
    `Votes at ${time(timepoint)} are not known yet (chain time ${time(clock)}); ask again after it.`,
  VotesExpiredSignature: ({ expiry }) => `The delegation signature expired at ${time(expiry)}; sign a new one.`,
  ERC2612ExpiredSignature: ({ deadline }) => `The permit expired at ${time(deadline)}; sign a new one.`,
  ERC2612InvalidSigner: ({ signer, owner }) => `The permit was signed by ${signer}, not by the owner ${owner}.`,
  ERC20InvalidSpender: ({ spender }) => `${spender} cannot be approved; approve the contract's address.`,
  InvalidAccountNonce: ({ account, currentNonce }) =>
    `The signature of ${account} uses a spent or future nonce; sign again with nonce ${currentNonce}.`,
  ECDSAInvalidSignature: () => "The signature recovers to no account; sign again.",
  ECDSAInvalidSignatureLength: ({ length }) => `The signature is ${length} bytes; give a 65-byte signature (r, s, v).`,
  ECDSAInvalidSignatureS: ({ s }) =>
    `The signature's s value ${s} is in the upper half of the curve order; sign with a library that normalises it.`,
  SafeERC20FailedOperation: ({ token }) =>
    `The token ${token} refused the transfer; check the balance and the allowance given to the contract.`,
} as const satisfies OwnErrorMessages;

/**
 * The message of `ERROR_MESSAGES` for a decoded error (for `Error(string)`, its reason), or `undefined`
 * when the table has none.
 */
export function errorMessage(decoded: DecodedError): string | undefined {
  if (decoded.name === "Error") return `The contract refused: ${decoded.args.reason}`;
  if (decoded.name === "Panic") return undefined;
  const message = (ERROR_MESSAGES as ErrorMessages)[decoded.name] as
    ((args: AbiArgs<readonly unknown[]>) => string) | undefined;
  // `decoded.args` are the arguments of the error named `decoded.name`, which is what the entry takes.
  return message?.(decoded.args);
}

/** `Name(arg, ...)`, the decoded error as the contract raised it, for messages and logs. */
export function formatDecodedError(decoded: DecodedError): string {
  const args = Array.from(decoded.args as readonly unknown[], (value) => String(value));
  return `${decoded.name}(${args.join(", ")})`;
}
