/** What went wrong when looking up or reading a deployment; stable, for programmatic handling. */
export type DeploymentErrorCode = "NOT_DEPLOYED" | "INVALID_DEPLOYMENT";

/** Thrown when no deployment is known for a chain, or when Ignition's output cannot be read as one. */
export class DeploymentError extends Error {
  override readonly name = "DeploymentError";

  /**
   * @param code what failed
   * @param message what failed and what the caller can do about it
   */
  constructor(
    readonly code: DeploymentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
