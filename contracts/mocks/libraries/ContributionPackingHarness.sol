// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ContributionPacking} from "../../libraries/ContributionPacking.sol";

/// @title ContributionPackingHarness
/// @notice Test-only: exposes the internal functions of {ContributionPacking} for its spec.
contract ContributionPackingHarness {
    using ContributionPacking for uint256;

    /// @notice Every field of `packed`, as the getters read them.
    struct Fields {
        address owner;
        uint32 units;
        uint32 paidUnits;
        uint16 quality;
        uint16 purposes;
        uint8 status;
        uint256 weight;
    }

    /// @notice {ContributionPacking.pack}.
    function pack(
        address owner_,
        uint32 units_,
        uint32 paidUnits_,
        uint16 quality_,
        uint16 purposes_,
        uint8 status_
    ) external pure returns (uint256) {
        return ContributionPacking.pack(owner_, units_, paidUnits_, quality_, purposes_, status_);
    }

    /// @notice Every getter of {ContributionPacking} on `packed`.
    function unpack(uint256 packed) external pure returns (Fields memory) {
        return
            Fields(
                packed.owner(),
                packed.units(),
                packed.paidUnits(),
                packed.quality(),
                packed.purposes(),
                packed.status(),
                packed.weight()
            );
    }

    /// @notice {ContributionPacking.withPurposes}.
    function withPurposes(uint256 packed, uint16 newPurposes) external pure returns (uint256) {
        return packed.withPurposes(newPurposes);
    }

    /// @notice {ContributionPacking.withStatus}.
    function withStatus(uint256 packed, uint8 newStatus) external pure returns (uint256) {
        return packed.withStatus(newStatus);
    }
}
