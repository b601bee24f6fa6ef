import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { type BlobStore, BlobStoreError, HttpBlobStore, LocalBlobStore } from "../store";
import { RoleError } from "./errors";

/** A blob store together with how its blobs are named in on-chain URIs. */
export interface NamedStore {
  readonly store: BlobStore;
  /** The directory or base URL, for messages. */
  readonly location: string;
  /** The URI of the blob stored under `key`: `<base URL>/<key>` or a `file:` URL of the blob's file. */
  uriFor(key: string): string;
}

const KEY_SEGMENT = /^(?:0x)?([0-9a-fA-F]{64})$/;

/**
 * Opens a blob store from a directory path, a `file:` URL or an `http(s):` base URL.
 * @param spec where the blobs are
 * @param options `token`: the HTTP store's write token (sent as a bearer token; not needed to read)
 * @throws RoleError `INVALID_INPUT`
 */
export function openStore(spec: string, options: { readonly token?: string } = {}): NamedStore {
  const text = spec.trim();
  if (text.length === 0)
    throw new RoleError("INVALID_INPUT", "The blob store is empty; give a directory or an http(s) URL.");
  try {
    if (/^https?:\/\//i.test(text)) {
      const store = new HttpBlobStore(text, { token: options.token });
      return { store, location: store.baseUrl, uriFor: (key) => `${store.baseUrl}/${key}` };
    }
    const dir = text.startsWith("file:") ? fileURLToPath(text) : text;
    const store = new LocalBlobStore(dir);
    return { store, location: store.dir, uriFor: (key) => pathToFileURL(store.pathFor(key)).href };
  } catch (cause) {
    if (!(cause instanceof BlobStoreError) && !(cause instanceof TypeError)) throw cause;
    throw new RoleError(
      "INVALID_INPUT",
      `Cannot use ${JSON.stringify(spec)} as a blob store: ${cause.message} Give a directory or an http(s) URL.`,
      { cause },
    );
  }
}

/**
 * The content hash a blob URI names: its last path segment, 64 hex digits with or without `0x`.
 * @param uri a URI written by {@link NamedStore.uriFor}
 * @returns the key, `0x` + 64 lowercase hex digits
 * @throws RoleError `INVALID_INPUT`
 */
export function blobKeyFromUri(uri: string): string {
  let pathname: string;
  try {
    pathname = new URL(uri).pathname;
  } catch {
    pathname = uri;
  }
  const match = KEY_SEGMENT.exec(pathname.split("/").pop() ?? "");
  if (match === null) {
    throw new RoleError(
      "INVALID_INPUT",
      `The URI ${JSON.stringify(uri.slice(0, 200))} does not end in a content hash; it was not written by a DataCoop blob store.`,
    );
  }
  return `0x${match[1].toLowerCase()}`;
}

/**
 * The store a blob URI points into (an `http(s):` base URL or the local store directory of a `file:` URL).
 * @param uri a URI written by {@link NamedStore.uriFor}
 * @throws RoleError `INVALID_INPUT` for other schemes
 */
export function storeForUri(uri: string): NamedStore {
  const key = blobKeyFromUri(uri);
  if (/^https?:\/\//i.test(uri)) return openStore(uri.slice(0, uri.lastIndexOf("/")));
  if (uri.startsWith("file:")) {
    const file = fileURLToPath(uri);
    const named = openStore(path.dirname(path.dirname(file)));
    if (named.uriFor(key) === pathToFileURL(file).href) return named;
  }
  throw new RoleError(
    "INVALID_INPUT",
    `Cannot tell which blob store ${JSON.stringify(uri.slice(0, 200))} lives in; pass --store with its directory or URL.`,
  );
}
