// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRevenueDistributor} from "../../interfaces/IRevenueDistributor.sol";

/// @title ReentrantClaimer
/// @notice Test-only hostile contributor: a contract account that claims its revenue and, when the settlement token
/// calls it back in the middle of the payment (arm a `ReentrantToken` with `reenter()`), claims again, hoping to be
/// paid twice for the same earnings.
contract ReentrantClaimer {
    IRevenueDistributor private immutable _distributor;
    uint16 private immutable _purposes;

    /// @param distributor_ The distributor to claim from.
    /// @param purposes_ The purposes to claim, both times.
    constructor(IRevenueDistributor distributor_, uint16 purposes_) {
        _distributor = distributor_;
        _purposes = purposes_;
    }

    /// @notice Claims this contract's revenue.
    function claim() external returns (uint256) {
        return _distributor.claim(_purposes);
    }

    /// @notice The token callback: claims again while the first payment is still in flight.
    function reenter() external returns (uint256) {
        return _distributor.claim(_purposes);
    }
}
