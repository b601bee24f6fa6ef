/**
 * DataCoop roles as a library: what each actor does, over ethers v6 and the TypeChain bindings, with no
 * dependency on Hardhat (the Hardhat tasks in `tasks/` are thin wrappers over it).
 *
 * Every operation checks its inputs and the chain first and simulates its transaction before sending it,
 * so a mistake is reported (as a {@link RoleError} saying what to fix) before anything changes. Files are
 * written atomically. Long operations report to an optional {@link ProgressListener}.
 *
 * - contributor: {@link contributeExport} (score → encrypt → attest → upload → register), {@link sealExport}
 *   and {@link contributeSealed} (with external validators), {@link setPurposes}, {@link revokeContribution},
 *   {@link claimRevenue}, {@link contributorStatus};
 * - validator: {@link scoreExportFor}, {@link signAttestationFile};
 * - token holder: {@link delegateVotes}, {@link decisionActions} + {@link propose}, {@link castVote},
 *   {@link queueProposal}, {@link executeProposal}, {@link objectToRequest};
 * - buyer: {@link requestAccess}, {@link cancelRequest}, {@link finalizeRequest}, {@link fetchGrant};
 * - custodian: {@link eligibleContributions}, {@link deliverShare} (one custodian's share of a grant; k of
 *   them release the fee).
 */
export { RoleError, type RoleErrorCode } from "./errors";
export { type ProgressEvent, type ProgressListener, silentProgress } from "./progress";
export { type ConnectOptions, type DataCoop, type DataCoopAddresses, addressesOf, connectDataCoop } from "./contracts";
// The deployment reader is the core's; re-exported for the tasks and services that load the role library.
export { type IgnitionDeployment, defaultDeploymentId, readIgnitionDeployment } from "../deployments/files";
export {
  type EciesKey,
  type KeyRole,
  LOCAL_CHAIN_ID,
  eciesKeyFromPrivate,
  generateKeyFile,
  keyFilePermissionWarning,
  localDevelopmentKey,
  readKeyFile,
} from "./keys";
export { publishDirectory, readInputFile, writeFileAtomic, writeJsonAtomic } from "./files";
export { type NamedStore, blobKeyFromUri, openStore, storeForUri } from "./stores";
export {
  type Purpose,
  describePurposeMask,
  parsePurpose,
  parsePurposeMask,
  purposeName,
  readPurposes,
} from "./purposes";
export { formatDuration, formatTokenAmount, parseDuration, parseTokenAmount } from "./units";
export { chainTime, formatTime } from "./chain";
export { deploymentSalt, scorerVersionId } from "./scoring";
export { type SendableMethod, type Simulated, explainRevert, simulate, transact } from "./transact";
export { scanEvents } from "./events";
export {
  type ContributionDescriptor,
  type DescriptorShare,
  DESCRIPTOR_TYPE,
  DESCRIPTOR_VERSION,
  describeSealed,
  parseDescriptor,
  serializeDescriptor,
} from "./descriptor";
export {
  ATTESTATION_FILE_TYPE,
  type AttestationFile,
  type AttestationJson,
  attestationOf,
  buildAttestationFile,
  mergeAttestationFiles,
  parseAttestationFile,
} from "./attestation-file";
export {
  ATTEST_REQUEST_TYPE,
  ATTEST_REQUEST_VERSION,
  type AttestRefineProfile,
  type AttestRequest,
  type AttestRequestInput,
  type AttestResponse,
  buildAttestRequest,
  decodeAttestRequest,
  decodeAttestResponse,
  encodeAttestRequest,
  encodeAttestResponse,
  openAttestRequest,
} from "./attest-request";
export {
  askValidator,
  describeValidator,
  requestAttestations,
  type RequestAttestationsOptions,
  type RequestsPerValidator,
  type ValidatorInfo,
} from "./validator-client";
export {
  type AttestationRequest,
  type AttestCheck,
  type AttestCheckInput,
  checkAttestRequest,
  DEFAULT_ATTESTATION_VALIDITY,
  localValidators,
  scoreExportFor,
  signAttestationFile,
  validatorPublicKeyOf,
  verifyAndAttest,
  type VerifyAndAttestOptions,
} from "./validator";
export {
  type ContributeOptions,
  type ContributionCheck,
  type ContributionPlan,
  type PreparedContribution,
  type RefinementChoices,
  type RegisteredContribution,
  type ValidatorEndpoint,
  type ValidatorsToAsk,
  checkContribution,
  collectAttestations,
  contributeExport,
  custodianSetOf,
  planFromAttestation,
  prepareContribution,
  refineForSealing,
  registerContribution,
  uploadPrepared,
} from "./contributor";
export {
  SEALED_FILE_TYPE,
  SEALED_FILE_VERSION,
  type SealedContributionFile,
  contributeSealed,
  parseSealedFile,
  sealExport,
} from "./contributor-sealed";
export {
  type ContributionState,
  type ContributorStatus,
  claimRevenue,
  contributorStatus,
  revokeContribution,
  setPurposes,
} from "./contributor-account";
export { type EscrowRequest, buyerPublicKeyOf, readRequest } from "./requests";
// The enum tables are the core's, generated from the compiler output (values as numbers; ethers returns
// bigint: compare with `BigInt(...)` or use `enumName`).
export {
  CONTRIBUTION_STATUS,
  type ContributionStatusName,
  PROPOSAL_STATE,
  type ProposalStateName,
  REQUEST_STATUS,
  type RequestStatusName,
  enumName,
} from "../protocol/constants";
export {
  type AccessRequestInput,
  type AccessRequestResult,
  type FetchOptions,
  type FetchResult,
  type DatasetFormat,
  cancelRequest,
  fetchGrant,
  finalizeRequest,
  requestAccess,
  termsHashOf,
} from "./buyer";
export { type OpenedGrant, type PostedManifest, openGrant } from "./grant-keys";
export {
  type DeliverOptions,
  type EligibilityLogReader,
  type EligibleContribution,
  type RawLog,
  type ShareDelivery,
  deliverShare,
  eligibilityLogs,
  eligibleContributions,
} from "./custodian";
export {
  type Decisions,
  type ObjectionResult,
  type ProposalAction,
  type ProposalCreated,
  type ProposalInfo,
  VOTE_SUPPORT,
  type VoteChoice,
  castVote,
  decisionActions,
  standingTermsAction,
  type StandingTermsInput,
  delegateVotes,
  describeDecisions,
  earliestExecutionDelay,
  executeProposal,
  findProposal,
  objectToRequest,
  proposalState,
  propose,
  queueProposal,
} from "./holder";
