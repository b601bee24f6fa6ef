/** `node:fs` in the browser: no file system; the app reads the dropped file from memory. */
function unavailable(): never {
  throw new Error("The file system is not available in the browser.");
}
export const openSync = unavailable;
export const fstatSync = unavailable;
export const readSync = unavailable;
export const closeSync = unavailable;
export const readFileSync = unavailable;
export const writeFileSync = unavailable;
export const existsSync = (): boolean => false;
export default { openSync, fstatSync, readSync, closeSync, readFileSync, writeFileSync, existsSync };
