/** A step of the package build, the docs generation or the consumer test failed; the message says what to do. */
export class PackageBuildError extends Error {
  override readonly name = "PackageBuildError";

  /**
   * @param message what failed and what to run or change to fix it
   * @param options the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
