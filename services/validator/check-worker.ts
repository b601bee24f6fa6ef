/**
 * Worker thread of the validator service: runs `checkAttestRequest` (decrypt, verify the refinement, score)
 * off the event loop. Only a role error's code and message cross back (they never quote the export).
 */
import { checkAttestRequest, RoleError, type AttestCheck, type AttestCheckInput } from "../../src/roles";
import { serveJobs } from "../common/worker-pool";

serveJobs<AttestCheckInput, AttestCheck>(checkAttestRequest, (error) =>
  error instanceof RoleError
    ? { code: error.code, message: error.message }
    : { code: "INTERNAL", message: "The scoring worker failed unexpectedly." },
);
