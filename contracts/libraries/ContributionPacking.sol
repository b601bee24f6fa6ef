// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ContributionPacking
/// @notice Packs a contribution into one storage slot (a new contribution costs one fresh slot, 22.1k gas):
///
/// | bits    | field      | width | range                                            |
/// |---------|------------|-------|--------------------------------------------------|
/// | 0-159   | owner      | 160   | address                                          |
/// | 160-191 | units      | 32    | uint32                                           |
/// | 192-223 | paidUnits  | 32    | most units the source was paid for, incl. this   |
/// | 224-237 | quality    | 14    | 1..10000 bps (< 2^14 = 16384)                    |
/// | 238-253 | purposes   | 16    | consent bitmask                                  |
/// | 254-255 | status     | 2     | IContributionRegistry.Status (0..3)              |
library ContributionPacking {
    uint256 private constant _UNITS_SHIFT = 160;
    uint256 private constant _PAID_SHIFT = 192;
    uint256 private constant _QUALITY_SHIFT = 224;
    uint256 private constant _PURPOSES_SHIFT = 238;
    uint256 private constant _STATUS_SHIFT = 254;
    uint256 private constant _MASK_14 = (1 << 14) - 1;
    uint256 private constant _MASK_16 = (1 << 16) - 1;
    uint256 private constant _MASK_32 = (1 << 32) - 1;

    /// @dev Callers guarantee `quality < 2^14` and `status < 4`; wider values would corrupt neighbours.
    function pack(
        address owner_,
        uint32 units_,
        uint32 paidUnits_,
        uint16 quality_,
        uint16 purposes_,
        uint8 status_
    ) internal pure returns (uint256) {
        return
            uint256(uint160(owner_)) |
            (uint256(units_) << _UNITS_SHIFT) |
            (uint256(paidUnits_) << _PAID_SHIFT) |
            (uint256(quality_) << _QUALITY_SHIFT) |
            (uint256(purposes_) << _PURPOSES_SHIFT) |
            (uint256(status_) << _STATUS_SHIFT);
    }

    function owner(uint256 packed) internal pure returns (address) {
        return address(uint160(packed));
    }

    function units(uint256 packed) internal pure returns (uint32) {
        return uint32((packed >> _UNITS_SHIFT) & _MASK_32);
    }

    function paidUnits(uint256 packed) internal pure returns (uint32) {
        return uint32((packed >> _PAID_SHIFT) & _MASK_32);
    }

    function quality(uint256 packed) internal pure returns (uint16) {
        return uint16((packed >> _QUALITY_SHIFT) & _MASK_14);
    }

    function purposes(uint256 packed) internal pure returns (uint16) {
        return uint16((packed >> _PURPOSES_SHIFT) & _MASK_16);
    }

    function status(uint256 packed) internal pure returns (uint8) {
        return uint8(packed >> _STATUS_SHIFT);
    }

    /// @dev Weight = units × quality; at most (2^32 - 1) × 10000 < 2^46.
    function weight(uint256 packed) internal pure returns (uint256) {
        return uint256(units(packed)) * quality(packed);
    }

    function withPurposes(uint256 packed, uint16 newPurposes) internal pure returns (uint256) {
        return (packed & ~(_MASK_16 << _PURPOSES_SHIFT)) | (uint256(newPurposes) << _PURPOSES_SHIFT);
    }

    function withStatus(uint256 packed, uint8 newStatus) internal pure returns (uint256) {
        return (packed & ~(uint256(3) << _STATUS_SHIFT)) | (uint256(newStatus) << _STATUS_SHIFT);
    }
}
