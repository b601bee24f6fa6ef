/**
 * The attestation request's wire codec, from the core (`src/protocol/attest-request.ts`, shared with the
 * member app), with its errors as `RoleError`s (same codes) like every other function of the role library.
 */
import * as wire from "../protocol/attest-request";
import { RoleError } from "./errors";

export {
  ATTEST_REQUEST_TYPE,
  ATTEST_REQUEST_VERSION,
  MAX_EXCLUSIONS,
  MAX_EXCLUSION_LENGTH,
  MAX_URI_LENGTH,
  type AttestRefineProfile,
  type AttestRequest,
  type AttestRequestInput,
  type AttestResponse,
} from "../protocol/attest-request";

/** `error` as a `RoleError` when it is the core's wire or transport error; anything else as it is. */
export function asRoleError(error: unknown): unknown {
  return error instanceof wire.AttestRequestError ? new RoleError(error.code, error.message, { cause: error }) : error;
}

function roleErrors<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return f(...args);
    } catch (error) {
      throw asRoleError(error);
    }
  };
}

/** See the core's `buildAttestRequest`; throws RoleError `INVALID_INPUT`. */
export const buildAttestRequest = roleErrors(wire.buildAttestRequest);
/** See the core's `openAttestRequest`; throws EnvelopeError if a key was wrapped to someone else. */
export const openAttestRequest = wire.openAttestRequest;
/** See the core's `encodeAttestRequest`; throws RoleError `INVALID_INPUT`. */
export const encodeAttestRequest = roleErrors(wire.encodeAttestRequest);
/** See the core's `decodeAttestRequest`; throws RoleError `INVALID_INPUT` naming the first bad field. */
export const decodeAttestRequest = roleErrors(wire.decodeAttestRequest);
/** See the core's `encodeAttestResponse`. */
export const encodeAttestResponse = wire.encodeAttestResponse;
/** See the core's `decodeAttestResponse`; throws RoleError `INVALID_INPUT` naming the first bad field. */
export const decodeAttestResponse = roleErrors(wire.decodeAttestResponse);
