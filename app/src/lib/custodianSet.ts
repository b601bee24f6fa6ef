/**
 * The two CustodianSet reads a contributor needs to seal for the current custodians (ICustodianSet.sol).
 * The package's generated ABIs cover the deployable contracts only, and the CustodianSet is reached through
 * the escrow's `custodianSet()`, so its fragment is kept here, `as const` for viem's types.
 */
export const custodianSetAbi = [
  {
    type: "function",
    name: "currentVersion",
    stateMutability: "view",
    inputs: [],
    outputs: [{ name: "", type: "uint32" }],
  },
  {
    type: "function",
    name: "custodiansAt",
    stateMutability: "view",
    inputs: [{ name: "version", type: "uint32" }],
    outputs: [
      {
        name: "custodians",
        type: "tuple[]",
        components: [
          { name: "account", type: "address" },
          { name: "publicKey", type: "bytes" },
        ],
      },
      { name: "threshold_", type: "uint8" },
    ],
  },
] as const;
