// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IAccessEscrow} from "../../contracts/interfaces/IAccessEscrow.sol";
import {EscrowHandler} from "./handlers/EscrowHandler.sol";
import {RegistryHandler} from "./handlers/RegistryHandler.sol";
import {DataCoop, DataCoopDeployment} from "./utils/DataCoopDeployment.sol";
import {InvariantTargets} from "./utils/FuzzBase.sol";
import {SettlementToken} from "./utils/SettlementToken.sol";

/// @title DataCoopInvariants
/// @notice The protocol's rules as invariants over the whole system deployed as in production, driven by the
/// two handlers only. Each `invariant_*` is its own forge campaign (runs × depth calls); a suite per
/// settlement token's decimals derives from this one.
/// @dev To add a rule: a handler action (with its model prediction) in `handlers/`, its selector in
/// `_targetSelectors`, and one `invariant_<rule>` here.
abstract contract DataCoopInvariants is InvariantTargets {
    uint256 internal constant PRECISION = 1e18;
    uint8 internal constant PURPOSES = 16;
    uint256 internal constant VALIDATOR_KEYS = 4;
    uint256 internal constant GRANTED_VALIDATORS = 3;

    DataCoop internal coop;
    SettlementToken internal settlement;
    RegistryHandler internal registryHandler;
    EscrowHandler internal escrowHandler;
    uint256 internal initialSupply;

    /// @dev The settlement token's decimals for this suite.
    function _decimals() internal pure virtual returns (uint8);

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        settlement = new SettlementToken(_decimals());
        uint256[] memory keys = new uint256[](VALIDATOR_KEYS);
        address[] memory granted = new address[](GRANTED_VALIDATORS);
        for (uint256 i = 0; i < VALIDATOR_KEYS; ++i) keys[i] = 0xA1_0000 + i;
        _sortByAddress(keys);
        for (uint256 i = 0; i < GRANTED_VALIDATORS; ++i) granted[i] = vm.addr(keys[i]);
        address custodian = vm.addr(0xCC_0000);
        vm.label(custodian, "custodian");
        coop = DataCoopDeployment.deploy(IERC20(address(settlement)), granted, custodian, _custodianKey());
        initialSupply = coop.token.totalSupply();

        registryHandler = new RegistryHandler(coop, IERC20(address(settlement)), keys, GRANTED_VALIDATORS);
        escrowHandler = new EscrowHandler(coop, settlement, registryHandler, custodian);
        _targetSelectors();
    }

    /// @dev Only the handlers' actions, never their helpers or the protocol contracts directly.
    function _targetSelectors() internal virtual {
        targetContract(address(registryHandler));
        targetSelector(FuzzSelector(address(registryHandler), registryHandler.actions()));
        targetContract(address(escrowHandler));
        targetSelector(FuzzSelector(address(escrowHandler), escrowHandler.actions()));
    }

    // ---------------------------------------------------------------------------------------------
    // Invariants
    // ---------------------------------------------------------------------------------------------

    /// @notice Distributor balance × PRECISION = Σ every account's scaled earnings + Σ every purpose's carry.
    function invariant_distributorBalanceIsClaimablePlusCarry() public view {
        uint256 scaled;
        // Only the purposes an account holds (weight or earnings) can carry earnings; only defined ones a carry.
        uint16 defined = registryHandler.definedPurposes();
        for (uint8 p = 0; p < PURPOSES; ++p) {
            if ((defined >> p) & 1 == 1) scaled += coop.distributor.carry(p);
        }
        address[] memory accounts = registryHandler.allContributors();
        for (uint256 i = 0; i < accounts.length; ++i) {
            uint16 held = coop.distributor.purposesHeld(accounts[i]);
            for (uint8 p = 0; held >> p != 0; ++p) {
                if ((held >> p) & 1 == 1) scaled += coop.distributor.earnedScaled(accounts[i], p);
            }
        }
        assertEq(
            settlement.balanceOf(address(coop.distributor)) * PRECISION,
            scaled,
            "distributor: balance x precision != claimable + carry"
        );
    }

    /// @notice Escrow balance = `heldFees` = Σ fees of requests pending or approved (not yet delivered) + Σ refunds
    /// kept for buyers that could not receive them.
    function invariant_escrowHoldsExactlyPendingAndApprovedFees() public view {
        uint256 balance = settlement.balanceOf(address(coop.escrow));
        assertEq(balance, coop.escrow.heldFees(), "escrow: balance != heldFees");
        assertEq(balance, escrowHandler.ghostHeld(), "escrow: balance != pending and approved fees + refunds owed");
    }

    /// @notice Total supply ≤ cap, and = initial supply + Σ rewards the model expects = initial supply + Σ rewards
    /// the registry reported (so no reward is reported that the token's own clamp did not mint).
    function invariant_supplyWithinCapAndEqualsMinted() public view {
        uint256 supply = coop.token.totalSupply();
        assertLe(supply, coop.token.cap(), "token: supply above the cap");
        assertEq(supply, initialSupply + registryHandler.ghostMinted(), "token: supply != initial + minted rewards");
        assertEq(
            supply,
            initialSupply + registryHandler.ghostReportedRewards(),
            "token: supply != initial + rewards the registry reported"
        );
    }

    /// @notice A request ends (refund or delivery) at most once, and exactly once when its state is final.
    function invariant_noRequestEndsTwice() public view {
        uint256 n = escrowHandler.requestCount();
        for (uint256 id = 1; id <= n; ++id) {
            uint256 ended = escrowHandler.ends(id);
            IAccessEscrow.Status s = coop.escrow.request(id).status;
            bool final_ = s != IAccessEscrow.Status.Pending && s != IAccessEscrow.Status.Approved;
            assertEq(ended, final_ ? 1 : 0, "escrow: a request ended twice, or ended without a final state");
        }
    }

    /// @notice No account earns in a purpose it never consented to, and no deposit pays outside the consenting set.
    function invariant_noAccountPaidForPurposeWithoutConsent() public view {
        assertEq(escrowHandler.ghostPaidOutsideConsent(), 0, "distributor: a delivery paid outside the consenting set");
        address[] memory accounts = registryHandler.allContributors();
        for (uint256 i = 0; i < accounts.length; ++i) {
            uint16 never = ~registryHandler.everConsented(accounts[i]);
            // Purposes held (weight or earnings) that the account never consented to must hold nothing.
            uint16 suspect = coop.distributor.purposesHeld(accounts[i]) & never;
            for (uint8 p = 0; suspect >> p != 0; ++p) {
                if ((suspect >> p) & 1 == 1) {
                    assertEq(coop.distributor.earnedScaled(accounts[i], p), 0, "distributor: earnings without consent");
                }
            }
        }
    }

    /// @notice Σ claimed + Σ claimable ≤ Σ released to contributors.
    function invariant_claimedPlusClaimableWithinReleased() public view {
        uint256 claimable;
        address[] memory accounts = registryHandler.allContributors();
        for (uint256 i = 0; i < accounts.length; ++i) claimable += coop.distributor.claimable(accounts[i]);
        assertLe(
            registryHandler.ghostClaimed() + claimable,
            escrowHandler.ghostReleasedToContributors(),
            "distributor: claimed + claimable above what deliveries released"
        );
    }

    /// @notice Each account's effective and pending weight per purpose, and each purpose's totals, equal the
    /// consent model's: consent given pends until the next epoch, consent withdrawn leaves at once.
    function invariant_weightsFollowConsent() public view {
        address[] memory accounts = registryHandler.allContributors();
        // Weight can only sit in defined purposes (consent masks are checked against them).
        uint16 defined = registryHandler.definedPurposes();
        for (uint8 p = 0; p < PURPOSES; ++p) {
            uint256 effectiveTotal;
            uint256 pendingTotal;
            for (uint256 i = 0; i < accounts.length; ++i) {
                (uint256 effective, uint256 pending) = registryHandler.modelSplit(accounts[i], p);
                (effectiveTotal, pendingTotal) = (effectiveTotal + effective, pendingTotal + pending);
                if ((defined >> p) & 1 == 0) continue;
                assertEq(coop.distributor.weightOf(accounts[i], p), effective, "distributor: weight != model");
                assertEq(coop.distributor.pendingWeightOf(accounts[i], p), pending, "distributor: pending != model");
            }
            assertEq(coop.distributor.totalWeight(p), effectiveTotal, "distributor: total weight != model");
            assertEq(coop.distributor.pendingWeight(p), pendingTotal, "distributor: pending total != model");
        }
    }

    /// @notice What one mint window mints, measured on the token and in the model, stays within the budget in
    /// force at the window's last mint (governance may lower it below what the window already minted; the
    /// window then mints nothing more).
    function invariant_mintedPerWindowWithinBudget() public view {
        uint256 budget = registryHandler.windowBudget();
        uint256 index = block.timestamp / registryHandler.mintPeriod();
        if (registryHandler.supplyWindow() == index) {
            assertLe(
                coop.token.totalSupply() - registryHandler.supplyAtWindowStart(),
                budget,
                "registry: a mint window minted above the budget"
            );
        }
        assertLe(registryHandler.windowMinted(), budget, "registry: the model's window above the budget");
    }

    /// @notice Objections reject exactly at the threshold, by the escrow's own tally: an optimistic request whose
    /// objections reached its threshold is Rejected, and one Rejected other than by governance had objections
    /// that reached it (so a request below the threshold is never rejected by objections).
    function invariant_objectionsRejectExactlyAtThreshold() public view {
        uint256 n = escrowHandler.requestCount();
        for (uint256 id = 1; id <= n; ++id) {
            IAccessEscrow.Request memory r = coop.escrow.request(id);
            if (r.objectionDeadline == 0) continue;
            (uint256 votes, uint256 threshold) = coop.escrow.objections(id);
            bool reached = votes != 0 && votes >= threshold;
            if (reached)
                assertEq(
                    uint8(r.status),
                    uint8(IAccessEscrow.Status.Rejected),
                    "escrow: objections reached the threshold, not rejected"
                );
            if (r.status == IAccessEscrow.Status.Rejected && !escrowHandler.rejectedByGovernance(id)) {
                assertTrue(reached, "escrow: rejected by objections below the threshold");
                assertLe(threshold, votes, "escrow: rejected by objections below the threshold");
            }
        }
    }

    /// @notice Every request is in the state the model moved it to.
    function invariant_requestsFollowTheLifecycle() public view {
        uint256 n = escrowHandler.requestCount();
        assertEq(coop.escrow.requestCount(), n, "escrow: request count != model");
        for (uint256 id = 1; id <= n; ++id) {
            assertEq(
                uint8(coop.escrow.request(id).status),
                uint8(escrowHandler.modelStatus(id)),
                "escrow: status != model"
            );
        }
    }

    /// @notice Every action was accepted or refused as the model predicted, with the effects it predicted.
    function invariant_everyCallBehavesAsModelled() public view {
        assertEq(registryHandler.mismatches(), 0, registryHandler.firstMismatch());
        assertEq(escrowHandler.mismatches(), 0, escrowHandler.firstMismatch());
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _custodianKey() private pure returns (bytes memory) {
        return hex"02f2adfbcdfcbe3e55f9b92c39dd47ea5b257a98bbfe6db3a796cf79e7ed170ace";
    }

    function _sortByAddress(uint256[] memory keys) private pure {
        for (uint256 i = 1; i < keys.length; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j]) < vm.addr(keys[j - 1]); --j) {
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
    }
}
