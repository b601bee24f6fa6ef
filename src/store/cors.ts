import type { IncomingMessage, ServerResponse } from "node:http";

import { BlobStoreError } from "./errors";

/**
 * Cross-origin access for a DataCoop HTTP service (the blob store, a validator), so the member app, served
 * from its own origin, can call it from a browser. Only the origins listed are answered with
 * `access-control-allow-origin`; `*` allows any. No credentials are ever allowed (the services use no
 * cookies, and a bearer token is sent explicitly), so this grants a web page nothing a script outside a
 * browser could not already do: it is not authentication, only the browser's permission to read the answer.
 */
export interface CorsOptions {
  /** Allowed origins, e.g. `["https://app.datacoop.example"]`, or `["*"]`; empty: no cross-origin access. */
  readonly origins: readonly string[];
  /** The methods the service serves cross-origin. */
  readonly methods: readonly string[];
  /** The request headers a browser may send, e.g. `content-type`. */
  readonly headers: readonly string[];
}

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/**
 * Checks a configured origin list: each entry `*` or an origin (`scheme://host[:port]`, no path).
 * @throws BlobStoreError `INVALID_CONFIG` naming the first bad entry
 */
export function parseAllowedOrigins(list: string | readonly string[] | undefined): string[] {
  const entries = (typeof list === "string" ? list.split(",") : (list ?? [])).map((o) => o.trim()).filter(Boolean);
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      origin = entry === "*" ? "*" : new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== entry) {
      throw new BlobStoreError(
        "INVALID_CONFIG",
        `Allowed origins are * or scheme://host[:port] without a path or a trailing /, e.g. https://app.example.org; got ${JSON.stringify(entry.slice(0, 80))}.`,
      );
    }
  }
  return entries;
}

/**
 * Adds the CORS headers a request from an allowed origin needs and answers its preflight.
 * @returns true when the request was a preflight (`OPTIONS`) and has been answered: 204 for an allowed
 *   origin, 403 for another; false otherwise (the caller handles the request as usual)
 */
export function handleCors(options: CorsOptions, request: IncomingMessage, response: ServerResponse): boolean {
  const origin = request.headers.origin;
  const allowed = typeof origin === "string" && (options.origins.includes("*") || options.origins.includes(origin));
  if (options.origins.length > 0) response.setHeader("vary", "origin");
  if (allowed) {
    response.setHeader("access-control-allow-origin", options.origins.includes("*") ? "*" : origin);
    response.setHeader("access-control-expose-headers", "retry-after");
  }
  const preflight =
    request.method === "OPTIONS" && typeof request.headers["access-control-request-method"] === "string";
  if (!preflight) return false;
  if (!allowed) {
    response
      .writeHead(403, { "content-type": "application/json" })
      .end(
        `${JSON.stringify({ error: { status: 403, code: "ORIGIN_NOT_ALLOWED", message: "This origin may not call this service from a browser." } })}\n`,
      );
    return true;
  }
  response
    .writeHead(204, {
      "access-control-allow-methods": options.methods.join(", "),
      "access-control-allow-headers": options.headers.join(", "),
      "access-control-max-age": String(PREFLIGHT_MAX_AGE),
    })
    .end();
  return true;
}
