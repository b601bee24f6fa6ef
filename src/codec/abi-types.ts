/**
 * Type-level decoding of `as const` ABI parameters: the TypeScript type of each value
 * {@link decodeAbiParameters} returns, so decoded error arguments are typed from the ABIs (renaming an
 * error argument in Solidity changes the type and fails the build of code that reads it).
 */
import type { Address } from "./address";
import type { Hex } from "./hex";

/** The TypeScript type of one decoded ABI parameter. */
export type AbiValueOf<P> = P extends { readonly type: `${infer Element}[${string}]` }
  ? readonly AbiValueOf<Omit<P, "type"> & { readonly type: Element }>[]
  : P extends { readonly type: "tuple"; readonly components: infer C extends readonly unknown[] }
    ? AbiArgs<C>
    : P extends { readonly type: infer T extends string }
      ? T extends "address"
        ? Address
        : T extends "bool"
          ? boolean
          : T extends "string"
            ? string
            : T extends `bytes${string}`
              ? Hex
              : T extends `int${string}` | `uint${string}`
                ? bigint
                : unknown
      : unknown;

type NameOf<P> = P extends { readonly name: infer N extends string } ? (N extends "" ? never : N) : never;

/**
 * Decoded parameters: by position (a readonly tuple) and by name (`args.contentHash`). Other names read
 * as `unknown`, so a caller that has not narrowed the error by its name can still look a value up.
 */
export type AbiArgs<Params extends readonly unknown[]> = { readonly [K in keyof Params]: AbiValueOf<Params[K]> } & {
  readonly [P in Params[number] as NameOf<P>]: AbiValueOf<P>;
} & { readonly [name: string]: unknown };
