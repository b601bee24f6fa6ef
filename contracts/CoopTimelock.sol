// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title CoopTimelock
/// @notice The OpenZeppelin TimelockController under its own name, so that deployments and artifacts
/// have a DataCoop contract to point at. It is the admin of every protocol parameter and role.
/// @dev Deployed with the deployer as temporary admin; the deployment grants the proposer and canceller
/// roles to the Governor, the executor role to everyone, and then the deployer renounces its admin role.
contract CoopTimelock is TimelockController {
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
