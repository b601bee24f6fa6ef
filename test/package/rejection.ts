/** `fn()` must reject; returns what it rejected with (an ethers or viem error, for the decoder specs). */
export async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to revert");
}
