/** `node:perf_hooks` in the browser. */
export const performance = globalThis.performance;
