/** `node:module` in the browser: nothing can be required, so native bindings fall back to JavaScript. */
export function createRequire(): (id: string) => never {
  return (id) => {
    throw new Error(`${id} cannot be loaded in the browser`);
  };
}
