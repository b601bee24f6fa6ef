/** The core library uses Node's `Buffer` as a global; in the browser it is the `buffer` package's (shimmed). */
import { Buffer } from "./buffer";

const scope = globalThis as { Buffer?: unknown };
if (scope.Buffer === undefined) scope.Buffer = Buffer;
