import type { BlobStore } from "./blob-store";
import { assertBlob, blobKey, normalizeBlobKey, verifyBlob } from "./content-key";
import { BlobNotFoundError, BlobStoreError, BlobStoreRequestError } from "./errors";

/** The subset of the WHATWG `fetch` the HTTP store uses; the global `fetch` fits. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** Options of {@link HttpBlobStore}. */
export interface HttpBlobStoreOptions {
  /** The `fetch` to use; defaults to the global `fetch` (Node 18+). */
  readonly fetch?: FetchFunction;
  /** Headers sent with every request, e.g. `authorization`. Never included in error messages. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Time limit of one attempt, including the transfer of the body, in ms; default 60 000. */
  readonly timeoutMs?: number;
  /** The store's write token, sent as `authorization: Bearer <token>`; never included in error messages. */
  readonly token?: string;
  /**
   * Further attempts after a connection error (refused, reset, DNS), with exponential backoff; default 3.
   * Safe for every method: the store is content-addressed, so a repeated `PUT` writes the same blob.
   * HTTP error statuses and timeouts are not retried.
   */
  readonly retries?: number;
  /** Delay before the first retry, in ms, doubling each time; default 200. */
  readonly retryDelayMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 200;
const ERROR_BODY_PREVIEW = 200;

/**
 * A blob store behind an HTTP server: `PUT`, `GET` and `HEAD` on `${baseUrl}/${key}`.
 * Every `get` verifies the bytes against the key, so the server need not be trusted for integrity.
 * Connection errors are retried with backoff (`retries`), and the final error names the URL, so "the
 * store is down" reads as such. See `startBlobServer` and `services/store` for the server.
 */
export class HttpBlobStore implements BlobStore {
  readonly baseUrl: string;
  private readonly fetchFunction: FetchFunction | undefined;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  /**
   * @param baseUrl the `http:` or `https:` URL blobs live under (a trailing `/` is ignored)
   * @param options `fetch`, `headers`, `token`, `timeoutMs`, `retries`, `retryDelayMs`
   * @throws BlobStoreError `INVALID_CONFIG`
   */
  constructor(baseUrl: string, options: HttpBlobStoreOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch (cause) {
      throw new BlobStoreError("INVALID_CONFIG", `The blob store URL ${JSON.stringify(baseUrl)} is not a valid URL.`, {
        cause,
      });
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
      throw new BlobStoreError(
        "INVALID_CONFIG",
        `The blob store URL must be http: or https: without a query or fragment, e.g. https://blobs.example.org/v1; got ${JSON.stringify(baseUrl)}.`,
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new BlobStoreError("INVALID_CONFIG", `timeoutMs must be a positive integer; got ${String(timeoutMs)}.`);
    }
    const retries = options.retries ?? DEFAULT_RETRIES;
    const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    if (
      !Number.isInteger(retries) ||
      retries < 0 ||
      retries > 10 ||
      !Number.isInteger(retryDelayMs) ||
      retryDelayMs < 0
    ) {
      throw new BlobStoreError(
        "INVALID_CONFIG",
        `retries must be an integer from 0 to 10 and retryDelayMs a non-negative integer; got ${String(retries)} and ${String(retryDelayMs)}.`,
      );
    }
    this.baseUrl = url.href.replace(/\/+$/, "");
    this.fetchFunction = options.fetch;
    this.headers =
      options.token === undefined
        ? { ...options.headers }
        : { ...options.headers, authorization: `Bearer ${options.token}` };
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    this.retryDelayMs = retryDelayMs;
  }

  /**
   * Uploads a blob to `${baseUrl}/${keccak256(bytes)}`. Idempotent on the server side.
   * @param bytes the blob
   * @returns its key
   * @throws BlobStoreRequestError on a network error, timeout or a non-2xx status
   */
  async put(bytes: Uint8Array): Promise<string> {
    assertBlob(bytes);
    const key = blobKey(bytes);
    await this.exchange("PUT", key, bytes, async (response, url) => {
      if (!response.ok) throw await unexpectedStatus("PUT", url, response);
      await response.body?.cancel();
    });
    return key;
  }

  /**
   * Downloads a blob and verifies that it hashes to its key.
   * @param key the content hash
   * @returns the bytes
   * @throws BlobNotFoundError on 404; BlobIntegrityError; BlobStoreRequestError
   */
  async get(key: string): Promise<Uint8Array> {
    const normalized = normalizeBlobKey(key);
    return this.exchange("GET", normalized, undefined, async (response, url) => {
      if (response.status === 404) {
        await response.body?.cancel();
        throw new BlobNotFoundError(normalized, this.baseUrl);
      }
      if (!response.ok) throw await unexpectedStatus("GET", url, response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      verifyBlob(normalized, bytes, url);
      return bytes;
    });
  }

  /**
   * Whether the server holds a blob under the key (`HEAD`; 2xx → true, 404 → false).
   * @param key the content hash
   * @throws BlobStoreRequestError on any other status, a network error or a timeout
   */
  async has(key: string): Promise<boolean> {
    const normalized = normalizeBlobKey(key);
    return this.exchange("HEAD", normalized, undefined, async (response, url) => {
      await response.body?.cancel();
      if (response.status === 404) return false;
      if (!response.ok) throw await unexpectedStatus("HEAD", url, response);
      return true;
    });
  }

  private timedOut(method: string, url: string, cause: unknown): BlobStoreRequestError {
    return new BlobStoreRequestError(
      "TIMEOUT",
      `${method} ${url} did not complete within ${this.timeoutMs} ms; check that the blob server is reachable, or raise timeoutMs for large blobs.`,
      undefined,
      { cause },
    );
  }

  /** Sends one request and handles its response, each attempt within one time limit; retries connection errors. */
  private async exchange<T>(
    method: "GET" | "PUT" | "HEAD",
    key: string,
    body: Uint8Array | undefined,
    handle: (response: Response, url: string) => Promise<T>,
  ): Promise<T> {
    const url = `${this.baseUrl}/${key}`;
    const headers: Record<string, string> = { ...this.headers };
    if (body !== undefined) headers["content-type"] = "application/octet-stream";
    const fetchFunction = this.fetchFunction ?? globalThis.fetch;
    for (let attempt = 0; ; attempt++) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      let response: Response;
      try {
        // The DOM's BodyInit takes only ArrayBuffer-backed views, Node's any Uint8Array: the bytes are the same
        // (never a SharedArrayBuffer here), so the one client type-checks in the member app too.
        response = await fetchFunction(url, { method, headers, body: body as RequestInit["body"], signal });
      } catch (error) {
        if (signal.aborted) {
          throw this.timedOut(method, url, error);
        }
        if (attempt < this.retries) {
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** attempt));
          continue;
        }
        throw new BlobStoreRequestError(
          "REQUEST_FAILED",
          `${method} ${url} failed after ${attempt + 1} attempt(s): ${reasonOf(error)}. The blob store at ${this.baseUrl} is down or unreachable; check the URL and that the server is running.`,
          undefined,
          { cause: error },
        );
      }
      try {
        return await handle(response, url);
      } catch (error) {
        if (error instanceof BlobStoreError) throw error;
        if (signal.aborted) {
          throw this.timedOut(method, url, error);
        }
        throw new BlobStoreRequestError("REQUEST_FAILED", `${method} ${url} failed: ${reasonOf(error)}.`, undefined, {
          cause: error,
        });
      }
    }
  }
}

/** The message of a failed fetch, with the system error under it (`fetch failed` alone says nothing). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === "string" ? `${error.message} (${code})` : error.message;
}

async function unexpectedStatus(method: string, url: string, response: Response): Promise<BlobStoreRequestError> {
  let detail = "";
  try {
    let text = (await response.text()).trim();
    // The store service answers {"error": {"message"}}; show the message, else the start of the body.
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === "string") text = parsed.error.message;
    } catch {
      // Not JSON: show it as it came.
    }
    if (text.length > 0) detail = `: ${text.slice(0, ERROR_BODY_PREVIEW)}`;
  } catch {
    // The status alone still says what happened.
  }
  const hint =
    response.status === 401 || response.status === 403
      ? " Check the write token (`token`) or the credentials passed in `headers`."
      : response.status === 413
        ? " The blob is larger than the server accepts."
        : "";
  return new BlobStoreRequestError(
    "REQUEST_FAILED",
    `${method} ${url} returned HTTP ${response.status}${detail}.${hint}`,
    response.status,
  );
}
