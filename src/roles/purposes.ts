import type { ContributionRegistry } from "../typechain";
import { RoleError } from "./errors";

/** Purposes are the bits of a uint16 consent mask. */
export const PURPOSE_COUNT = 16;

/** A purpose defined in the registry. */
export interface Purpose {
  readonly id: number;
  readonly name: string;
  readonly metadataURI: string;
}

/**
 * Reads the purposes defined in the registry, by id.
 * @param registry the ContributionRegistry
 */
export async function readPurposes(registry: ContributionRegistry): Promise<Purpose[]> {
  const defined = Number(await registry.definedPurposes());
  const purposes: Purpose[] = [];
  for (let id = 0; id < PURPOSE_COUNT; id++) {
    if (((defined >> id) & 1) === 0) continue;
    const [name, metadataURI] = await registry.purposeInfo(id);
    purposes.push({ id, name, metadataURI });
  }
  return purposes;
}

/**
 * Parses one purpose given by name (any case) or id.
 * @param spec e.g. `AI_TRAINING` or `2`
 * @param purposes the defined purposes
 * @returns the purpose id
 * @throws RoleError `INVALID_INPUT` naming the defined purposes
 */
export function parsePurpose(spec: string, purposes: readonly Purpose[]): number {
  const wanted = spec.trim();
  const byId = /^\d+$/.test(wanted) ? purposes.find((p) => p.id === Number(wanted)) : undefined;
  const found = byId ?? purposes.find((p) => p.name.toLowerCase() === wanted.toLowerCase());
  if (found === undefined) {
    throw new RoleError(
      "INVALID_INPUT",
      `Unknown purpose ${JSON.stringify(spec)}; the registry defines ${purposes.map((p) => `${p.name} (${p.id})`).join(", ")}.`,
    );
  }
  return found.id;
}

/**
 * Parses a consent set: a comma-separated list of purpose names or ids, `all`, or `none`.
 * @param spec e.g. `RESEARCH,AI_TRAINING`
 * @param purposes the defined purposes
 * @returns the consent bitmask
 * @throws RoleError `INVALID_INPUT`
 */
export function parsePurposeMask(spec: string, purposes: readonly Purpose[]): number {
  const text = spec.trim();
  if (text.toLowerCase() === "none") return 0;
  if (text.toLowerCase() === "all") return purposes.reduce((mask, p) => mask | (1 << p.id), 0);
  const items = text.split(",").map((item) => item.trim());
  if (items.some((item) => item.length === 0)) {
    throw new RoleError(
      "INVALID_INPUT",
      `The purposes ${JSON.stringify(spec)} contain an empty item; write e.g. RESEARCH,AI_TRAINING (or all, or none).`,
    );
  }
  return items.reduce((mask, item) => mask | (1 << parsePurpose(item, purposes)), 0);
}

/**
 * Names the purposes of a consent mask, e.g. `RESEARCH, AI_TRAINING`, or `none`.
 * @param mask the consent bitmask
 * @param purposes the defined purposes (unknown bits are shown by id)
 */
export function describePurposeMask(mask: number | bigint, purposes: readonly Purpose[]): string {
  const value = Number(mask);
  const names: string[] = [];
  for (let id = 0; id < PURPOSE_COUNT; id++) {
    if (((value >> id) & 1) === 0) continue;
    names.push(purposes.find((p) => p.id === id)?.name ?? `#${id}`);
  }
  return names.length === 0 ? "none" : names.join(", ");
}

/**
 * The name of a purpose id, or `#<id>` if it is not defined.
 * @param id the purpose id
 * @param purposes the defined purposes
 */
export function purposeName(id: number | bigint, purposes: readonly Purpose[]): string {
  return purposes.find((p) => p.id === Number(id))?.name ?? `#${id}`;
}
