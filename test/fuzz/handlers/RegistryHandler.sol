// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ContributionRegistry} from "../../../contracts/ContributionRegistry.sol";
import {CoopToken} from "../../../contracts/CoopToken.sol";
import {RevenueDistributor} from "../../../contracts/RevenueDistributor.sol";
import {IContributionRegistry} from "../../../contracts/interfaces/IContributionRegistry.sol";
import {DataCoop} from "../utils/DataCoopDeployment.sol";
import {HandlerBase} from "./HandlerBase.sol";

/// @title RegistryHandler
/// @notice Contributors, validators and token holders: contribute (signed EIP-712 attestations), replace,
/// setPurposes, revoke, claim and claimTo, COOP transfers and delegation, and the registry's governance
/// (reward rate, threshold, validators, purposes) through the timelock. The model here is the registry and
/// the distributor's weights: every contribution's owner, status, purposes and weight, every source's
/// binding and paid units, each account's consenting weight per purpose, and the COOP minted.
contract RegistryHandler is HandlerBase {
    uint8 internal constant ACTIVE = uint8(IContributionRegistry.Status.Active);
    uint8 internal constant REVOKED = uint8(IContributionRegistry.Status.Revoked);
    uint8 internal constant SUPERSEDED = uint8(IContributionRegistry.Status.Superseded);
    uint8 internal constant PURPOSES = 16;
    uint256 internal constant SOURCES = 8;
    uint256 internal constant PRECISION = 1e18;

    struct GhostContribution {
        address owner;
        uint8 status;
        uint16 purposes;
        uint256 weight;
        // Consent given in `pendingEpoch` (the purposes of `pendingMask`) waits for the next epoch.
        uint16 pendingMask;
        uint32 pendingEpoch;
    }

    struct GhostSource {
        address owner;
        bytes32 latest;
        uint32 paidUnits;
    }

    /// @dev One contribution attempt, kept in memory to stay clear of the stack limit.
    struct Attempt {
        address who;
        IContributionRegistry.Attestation a;
        bytes[] signatures;
        bool signaturesValid;
        uint16 purposes;
        bytes32 previous;
        bool replacing;
    }

    CoopToken public immutable token;
    ContributionRegistry public immutable registry;
    RevenueDistributor public immutable distributor;
    IERC20 public immutable settlement;
    address public immutable timelock;
    bytes32 private immutable _validatorRole;

    address[] public contributors;
    address[] public holders;
    /// @dev Validator keys sorted by address, so any subset taken in order is ascending.
    uint256[] private _validatorKeys;

    // --- Model --------------------------------------------------------------------------------------
    mapping(uint256 keyIndex => bool) public isValidator;
    uint256 public validatorCount;
    uint256 public threshold = 1;
    uint256 public rewardRate;
    uint256 public immutable launchRewardRate;
    uint16 public definedPurposes = 0x3f;

    bytes32[] public contentHashes;
    mapping(bytes32 contentHash => GhostContribution) public contributionOf;
    mapping(address account => bytes32[] hashes) private _hashesOf;
    mapping(bytes32 sourceHash => GhostSource) public sourceOf;
    mapping(address account => mapping(uint8 purpose => uint256 weight)) public modelWeight;
    mapping(uint8 purpose => uint256 weight) public modelTotalWeight;
    /// @notice Purposes each account ever held consenting weight in.
    mapping(address account => uint16 purposes) public everConsented;

    /// @notice COOP the model says was minted (rewards, cut to the mint budget and the cap).
    uint256 public ghostMinted;
    /// @notice The mint budget per window and the window's length (the module's defaults).
    uint256 public mintBudget;
    uint256 public mintPeriod;
    uint256 public maxUnits;
    /// @notice The model's mint window: its index (`block.timestamp / mintPeriod`) and what it minted.
    uint256 public windowIndex;
    uint256 public windowMinted;
    /// @notice The budget in force when the model's window last minted (governance may lower the budget below
    /// what a window already minted: that window keeps its mints and mints nothing more).
    uint256 public windowBudget;
    /// @notice Total supply when the first contribution of window `supplyWindow` was tried (measured, not
    /// modelled: what the token says was minted in the window).
    uint256 public supplyWindow;
    uint256 public supplyAtWindowStart;
    /// @notice Σ rewards the registry reported (returned) for the contributions it accepted, measured, not
    /// modelled: the token must have minted exactly this.
    uint256 public ghostReportedRewards;
    /// @notice Settlement tokens paid out by claims.
    uint256 public ghostClaimed;
    uint256 private _nonce;

    constructor(DataCoop memory c, IERC20 settlement_, uint256[] memory validatorKeys, uint256 grantedValidators) {
        token = c.token;
        registry = c.registry;
        distributor = c.distributor;
        settlement = settlement_;
        timelock = address(c.timelock);
        _validatorRole = c.registry.VALIDATOR_ROLE();
        rewardRate = c.registry.rewardRate();
        launchRewardRate = rewardRate;
        (mintBudget, mintPeriod) = c.registry.mintBudget();
        windowBudget = mintBudget;
        maxUnits = c.registry.maxUnitsPerAttestation();
        for (uint256 i = 0; i < validatorKeys.length; ++i) {
            _validatorKeys.push(validatorKeys[i]);
            isValidator[i] = c.registry.hasRole(_validatorRole, vm.addr(validatorKeys[i]));
            if (isValidator[i]) ++validatorCount;
        }
        if (validatorCount != grantedValidators)
            revert AssertionFailed("validators", validatorCount, grantedValidators);
        for (uint256 i = 0; i < 4; ++i) {
            contributors.push(vm.addr(0xC0_0000 + i));
            vm.label(contributors[i], string.concat("contributor", vm.toString(i)));
        }
        for (uint256 i = 0; i < 2; ++i) {
            address holder = vm.addr(0x40_0000 + i);
            holders.push(holder);
            vm.label(holder, string.concat("holder", vm.toString(i)));
            vm.prank(holder);
            token.delegate(holder);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Contributors
    // ---------------------------------------------------------------------------------------------

    /// @notice A contributor registers an export with a validator attestation.
    function contribute(
        uint256 actor,
        uint256 source,
        uint256 units,
        uint256 quality,
        uint256 purposes,
        uint256 flags
    ) external {
        Attempt memory t = _attempt(contributors[actor % contributors.length], source, units, quality, purposes, flags);
        _submit(t);
    }

    /// @notice A contributor revokes one of its contributions and registers a new one in the same call.
    function replace(
        uint256 actor,
        uint256 previous,
        uint256 source,
        uint256 units,
        uint256 quality,
        uint256 flags
    ) external {
        address who = contributors[actor % contributors.length];
        Attempt memory t = _attempt(who, source, units, quality, flags >> 32, flags);
        t.replacing = true;
        t.previous = _pickHash(who, previous);
        _submit(t);
    }

    /// @notice The owner (or, sometimes, someone else) changes a contribution's consent.
    function setPurposes(uint256 actor, uint256 pick, uint256 purposes, uint256 flags) external {
        (bytes32 hash, address caller) = _pickOwnAs(actor, pick, flags);
        if (hash == bytes32(0)) return;
        uint16 mask = _purposeMask(purposes, flags);
        GhostContribution storage g = contributionOf[hash];
        bool expected = g.status == ACTIVE && g.owner == caller && mask & ~definedPurposes == 0;
        vm.prank(caller);
        try registry.setPurposes(hash, mask) {
            _expectOutcome(true, expected, "setPurposes");
            if (expected) {
                _moveWeight(caller, g.purposes, g.weight, mask, g.weight);
                uint32 epoch = _epoch();
                uint16 pendingNow = g.pendingEpoch == epoch ? g.pendingMask : 0;
                // Consent given waits for the next epoch; consent withdrawn leaves at once, pending or not.
                g.pendingMask = (pendingNow & mask) | (mask & ~g.purposes);
                g.pendingEpoch = epoch;
                g.purposes = mask;
            }
        } catch {
            _expectOutcome(false, expected, "setPurposes");
        }
    }

    /// @notice The owner (or, sometimes, someone else) revokes a contribution.
    function revoke(uint256 actor, uint256 pick, uint256 flags) external {
        (bytes32 hash, address caller) = _pickOwnAs(actor, pick, flags);
        if (hash == bytes32(0)) return;
        bool expected = _revocable(hash, caller);
        vm.prank(caller);
        try registry.revoke(hash) {
            _expectOutcome(true, expected, "revoke");
            if (expected) _modelRevoke(hash);
        } catch {
            _expectOutcome(false, expected, "revoke");
        }
    }

    /// @notice A contributor claims its revenue for some purposes, to itself or to a recipient.
    function claim(uint256 actor, uint256 purposes, uint256 recipient, uint256 flags) external {
        address who = contributors[actor % contributors.length];
        uint16 mask = _chance(flags, 0, 70) ? type(uint16).max : uint16(purposes);
        bool toOther = _chance(flags, 8, 50);
        address to = who;
        bool validRecipient = true;
        if (toOther) {
            uint256 r = recipient % 8;
            // Mostly a contributor or holder; sometimes an address `claimTo` must refuse.
            to =
                r < 4
                    ? contributors[r]
                    : r < 6
                        ? holders[r - 4]
                        : r == 6
                            ? address(0)
                            : address(distributor);
            validRecipient = r < 6;
        }
        uint256 earned;
        for (uint8 p = 0; p < PURPOSES; ++p) {
            if ((mask >> p) & 1 == 1) earned += distributor.earnedScaled(who, p);
        }
        uint256 amount = earned / PRECISION;
        bool expected = validRecipient && amount != 0;
        uint256 balanceBefore = validRecipient ? settlement.balanceOf(to) : 0;
        try this.doClaim(who, mask, to, toOther) returns (uint256 paid) {
            _expectOutcome(true, expected, "claim");
            if (!expected) return;
            ghostClaimed += amount;
            _check(paid == amount, "claim: amount is not the sum of the claimed purposes' earnings");
            _check(settlement.balanceOf(to) == balanceBefore + amount, "claim: recipient not paid the amount");
            uint256 left;
            for (uint8 p = 0; p < PURPOSES; ++p) {
                if ((mask >> p) & 1 == 1) left += distributor.earnedScaled(who, p);
            }
            _check(left == earned - amount * PRECISION, "claim: earnings left are not the sub-unit fraction");
        } catch {
            _expectOutcome(false, expected, "claim");
        }
    }

    /// @dev External so `claim` can `try` it with the contributor's prank applied to the distributor call.
    function doClaim(address who, uint16 mask, address to, bool toOther) external returns (uint256) {
        if (msg.sender != address(this)) revert AssertionFailed("doClaim: internal", 0, 0);
        vm.prank(who);
        return toOther ? distributor.claimTo(mask, to) : distributor.claim(mask);
    }

    /// @notice A contributor hands COOP (votes) to a holder or another contributor: mostly a share of its balance
    /// (1% to all of it, so votes spread over several holders), sometimes any amount up to it.
    function transferVotes(uint256 from, uint256 to, uint256 amount, uint256 flags) external {
        address sender = contributors[from % contributors.length];
        uint256 r = to % 6;
        address receiver = r < 4 ? contributors[r] : holders[r - 4];
        uint256 balance = token.balanceOf(sender);
        amount = _chance(flags, 0, 70) ? (balance * bound(amount, 1, 100)) / 100 : bound(amount, 0, balance);
        bytes memory data = abi.encodeCall(token.transfer, (receiver, amount));
        _expectOutcome(_callAs(sender, address(token), data), true, "transfer");
    }

    /// @notice A contributor or holder delegates its votes.
    function delegate(uint256 from, uint256 to) external {
        address who = _voter(from);
        address delegatee = _voter(to);
        _expectOutcome(_callAs(who, address(token), abi.encodeCall(token.delegate, (delegatee))), true, "delegate");
    }

    // ---------------------------------------------------------------------------------------------
    // Governance (the timelock, acting on a passed proposal)
    // ---------------------------------------------------------------------------------------------

    /// @notice Governance sets the reward rate: mostly near the launch rate (so rewards, and votes, spread over
    /// several contributors of a mint window), often anywhere up to the maximum, sometimes above it.
    function setRewardRate(uint256 rate, uint256 flags) external {
        uint256 max = registry.MAX_REWARD_RATE();
        rate = _chance(flags, 0, 50) ? bound(rate, 0, 10 * launchRewardRate) : bound(rate, 0, max + max / 8);
        bool expected = rate <= registry.MAX_REWARD_RATE();
        vm.prank(timelock);
        try registry.setRewardRate(rate) {
            _expectOutcome(true, expected, "setRewardRate");
            if (expected) rewardRate = rate;
        } catch {
            _expectOutcome(false, expected, "setRewardRate");
        }
    }

    /// @notice Governance sets the attestation threshold k (sometimes out of range or above the validators).
    function setAttestationThreshold(uint256 k) external {
        k = bound(k, 0, _validatorKeys.length + 1);
        bool expected = k >= 1 && k <= registry.MAX_THRESHOLD() && k <= validatorCount;
        vm.prank(timelock);
        try registry.setAttestationThreshold(k) {
            _expectOutcome(true, expected, "setAttestationThreshold");
            if (expected) threshold = k;
        } catch {
            _expectOutcome(false, expected, "setAttestationThreshold");
        }
    }

    /// @notice Governance grants or revokes a validator; a validator may renounce.
    function setValidator(uint256 keyIndex, uint256 flags) external {
        keyIndex %= _validatorKeys.length;
        address validator = vm.addr(_validatorKeys[keyIndex]);
        bool grant = _chance(flags, 0, 50);
        bool renounce = !grant && _chance(flags, 8, 50);
        // Finding 5: removing a validator is refused when fewer than k would remain.
        bool expected = grant || !isValidator[keyIndex] || _mayRemoveValidator();
        bytes memory data =
            grant
                ? abi.encodeCall(registry.grantRole, (_validatorRole, validator))
                : renounce
                    ? abi.encodeCall(registry.renounceRole, (_validatorRole, validator))
                    : abi.encodeCall(registry.revokeRole, (_validatorRole, validator));
        _expectOutcome(_callAs(renounce ? validator : timelock, address(registry), data), expected, "setValidator");
        if (expected && grant != isValidator[keyIndex]) {
            isValidator[keyIndex] = grant;
            grant ? ++validatorCount : --validatorCount;
        }
    }

    /// @notice Governance defines (or renames) a purpose (sometimes with an id out of range).
    function definePurpose(uint256 purpose) external {
        purpose = bound(purpose, 0, PURPOSES);
        bool expected = purpose < PURPOSES;
        vm.prank(timelock);
        // The id is at most 16 (bounded above).
        try registry.definePurpose(uint8(purpose), "FUZZ", "datacoop:purpose/fuzz") {
            _expectOutcome(true, expected, "definePurpose");
            if (expected) definedPurposes |= uint16(1 << purpose);
        } catch {
            _expectOutcome(false, expected, "definePurpose");
        }
    }

    /// @notice Governance sets the mint budget and its window. Mostly a realistic budget; often one as large as
    /// the room under the cap (with a high reward rate and a raised units ceiling, a contribution then meets the
    /// cap within a run, so the cap's cut is exercised, not only the budget's); sometimes out of range.
    function setMintBudget(uint256 budget, uint256 period, uint256 flags) external {
        uint256 maxBudget = type(uint104).max;
        uint256 minPeriod = registry.MIN_MINT_PERIOD();
        uint256 maxPeriod = registry.MAX_MINT_PERIOD();
        if (_chance(flags, 0, 4)) budget = bound(budget, maxBudget + 1, type(uint256).max);
        else if (_chance(flags, 8, 40)) budget = bound(budget, token.cap() - token.totalSupply(), 2 * token.cap());
        else budget = bound(budget, 0, 1_000_000e18);
        if (_chance(flags, 16, 4)) period = bound(period, 0, minPeriod - 1);
        else if (_chance(flags, 24, 4)) period = bound(period, maxPeriod + 1, type(uint32).max);
        else period = bound(period, minPeriod, _chance(flags, 32, 80) ? 7 days : maxPeriod);
        bool expected = budget <= maxBudget && period >= minPeriod && period <= maxPeriod;
        vm.prank(timelock);
        try registry.setMintBudget(budget, period) {
            _expectOutcome(true, expected, "setMintBudget");
            if (expected) (mintBudget, mintPeriod) = (budget, period);
        } catch {
            _expectOutcome(false, expected, "setMintBudget");
        }
        (uint256 b, uint256 d) = registry.mintBudget();
        _check(b == mintBudget && d == mintPeriod, "setMintBudget: budget differs from the model");
    }

    /// @notice Governance sets the units ceiling per attestation: mostly at least the largest realistic export (a
    /// raised ceiling lets one attestation reach the cap), sometimes any legal value, sometimes 0 or above uint32.
    function setMaxUnitsPerAttestation(uint256 units, uint256 flags) external {
        if (_chance(flags, 0, 6)) units = _chance(flags, 8, 50) ? 0 : bound(units, 2 ** 32, type(uint256).max);
        else units = bound(units, _chance(flags, 16, 80) ? 100_000 : 1, type(uint32).max);
        bool expected = units != 0 && units <= type(uint32).max;
        vm.prank(timelock);
        try registry.setMaxUnitsPerAttestation(units) {
            _expectOutcome(true, expected, "setMaxUnitsPerAttestation");
            if (expected) maxUnits = units;
        } catch {
            _expectOutcome(false, expected, "setMaxUnitsPerAttestation");
        }
        _check(
            registry.maxUnitsPerAttestation() == maxUnits,
            "setMaxUnitsPerAttestation: ceiling differs from the model"
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Views for the invariants and the escrow handler
    // ---------------------------------------------------------------------------------------------

    /// @notice The actions the fuzzer calls (every other external function is a helper or a view).
    function actions() external pure returns (bytes4[] memory a) {
        a = new bytes4[](13);
        (a[0], a[1], a[2], a[3]) = (
            RegistryHandler.contribute.selector,
            RegistryHandler.replace.selector,
            RegistryHandler.setPurposes.selector,
            RegistryHandler.revoke.selector
        );
        (a[4], a[5], a[6]) = (
            RegistryHandler.claim.selector,
            RegistryHandler.transferVotes.selector,
            RegistryHandler.delegate.selector
        );
        (a[7], a[8]) = (RegistryHandler.setRewardRate.selector, RegistryHandler.setAttestationThreshold.selector);
        (a[9], a[10]) = (RegistryHandler.setValidator.selector, RegistryHandler.definePurpose.selector);
        (a[11], a[12]) = (RegistryHandler.setMintBudget.selector, RegistryHandler.setMaxUnitsPerAttestation.selector);
    }

    /// @notice The model's effective weight of `account` in `purpose` (what a deposit now pays) and its
    /// pending weight (consent given in the current epoch, effective from the next).
    function modelSplit(address account, uint8 purpose) public view returns (uint256 effective, uint256 pending) {
        uint32 epoch = _epoch();
        bytes32[] storage own = _hashesOf[account];
        for (uint256 i = 0; i < own.length; ++i) {
            GhostContribution storage g = contributionOf[own[i]];
            if (g.status != ACTIVE || (g.purposes >> purpose) & 1 == 0) continue;
            bool isPending = g.pendingEpoch == epoch && (g.pendingMask >> purpose) & 1 == 1;
            if (isPending) pending += g.weight;
            else effective += g.weight;
        }
    }

    /// @notice The model's effective weight of `purpose`, summed over every contributor.
    function modelEffectiveTotal(uint8 purpose) external view returns (uint256 total) {
        for (uint256 i = 0; i < contributors.length; ++i) {
            (uint256 effective, ) = modelSplit(contributors[i], purpose);
            total += effective;
        }
    }

    function contributorCount() external view returns (uint256) {
        return contributors.length;
    }

    /// @notice Every contributor, in one call (the invariants run after every call, so calls are counted).
    function allContributors() external view returns (address[] memory) {
        return contributors;
    }

    /// @notice The model's weight of `account` in each of the 16 purposes.
    function modelWeights(address account) external view returns (uint256[16] memory weights) {
        for (uint8 p = 0; p < PURPOSES; ++p) weights[p] = modelWeight[account][p];
    }

    function contentHashCount() external view returns (uint256) {
        return contentHashes.length;
    }

    /// @notice The i-th of the accounts that may vote or object: contributors, then holders.
    function voter(uint256 i) external view returns (address) {
        return _voter(i);
    }

    function voterCount() external view returns (uint256) {
        return contributors.length + holders.length;
    }

    // ---------------------------------------------------------------------------------------------
    // Hooks for the rules of issue #10 (override in a derived handler)
    // ---------------------------------------------------------------------------------------------

    /// @dev Whether the model lets governance (or the validator itself) remove a validator now: only while at
    /// least k would remain (finding 5).
    function _mayRemoveValidator() internal view virtual returns (bool) {
        return validatorCount > threshold;
    }

    /// @dev The COOP the model expects one contribution to mint. Today: units beyond the source's paid units,
    /// times quality and rate, cut at the cap. Finding 2 adds a per-period budget and a units ceiling here.
    /// Finding 2: cut to what the mint budget of the current window still allows; finding 7: whole units only,
    /// and only the units rewarded count as paid.
    function _expectedReward(
        uint32 units,
        uint16 quality,
        uint32 paidBefore
    ) internal view virtual returns (uint32 rewarded, uint256 reward) {
        if (units <= paidBefore || rewardRate == 0) return (0, 0);
        uint256 perUnit = uint256(quality) * rewardRate;
        uint256 minted = windowIndex == block.timestamp / mintPeriod ? windowMinted : 0;
        uint256 allowed = mintBudget > minted ? mintBudget - minted : 0;
        uint256 room = token.cap() - token.totalSupply();
        if (room < allowed) allowed = room;
        uint256 affordable = allowed / perUnit;
        uint256 wanted = units - paidBefore;
        rewarded = uint32(affordable < wanted ? affordable : wanted);
        reward = rewarded * perUnit;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _attempt(
        address who,
        uint256 source,
        uint256 units,
        uint256 quality,
        uint256 purposes,
        uint256 flags
    ) private returns (Attempt memory t) {
        t.who = who;
        t.a.contributor = who;
        // Mostly a fresh content hash; sometimes one already registered (a duplicate, refused forever).
        t.a.contentHash =
            _chance(flags, 0, 4) && contentHashes.length != 0
                ? contentHashes[(flags >> 8) % contentHashes.length]
                : keccak256(abi.encode("content", ++_nonce));
        // Mostly one of the contributor's own two sources (accepted, so contributions, and weight to pay, build up
        // within a run); otherwise any of them, bound to another wallet once used.
        uint256 s = source % SOURCES;
        if (_chance(flags, 18, 75)) s = (2 * _indexOf(who) + (source % 2)) % SOURCES;
        t.a.sourceHash = keccak256(abi.encode("source", s));
        // Mostly exports of realistic size; one in eight huge: anywhere in uint32 (mostly above the ceiling) or the
        // top half under the ceiling (accepted, and, at a high rate and budget, what reaches the cap).
        if (!_chance(flags, 16, 12)) t.a.units = uint32(bound(units, 1, 100_000));
        else if (_chance(flags, 17, 50)) t.a.units = uint32(bound(units, 1, type(uint32).max));
        else t.a.units = uint32(bound(units, maxUnits / 2 + 1, maxUnits));
        t.a.quality = uint16(
            _chance(flags, 24, 3) ? bound(quality, 10_001, type(uint16).max) : bound(quality, 1, 10_000)
        );
        t.a.scorerVersion = 1;
        t.a.deadline = uint64(_chance(flags, 40, 3) ? block.timestamp - 1 : block.timestamp + 1 hours);
        t.purposes = _purposeMask(purposes, flags);
        (t.signatures, t.signaturesValid) = _sign(registry.attestationDigest(t.a), flags);
    }

    /// @dev Signs with the first `threshold` current validators (ascending); sometimes with a random subset of
    /// every key (too few, or a key that is no validator), sometimes repeating a signature.
    function _sign(bytes32 digest, uint256 flags) private view returns (bytes[] memory sigs, bool valid) {
        uint256 keys = _validatorKeys.length;
        bool[] memory chosen = new bool[](keys);
        uint256 count;
        if (_chance(flags, 101, 85)) {
            for (uint256 i = 0; i < keys && count < threshold; ++i) {
                if (isValidator[i]) (chosen[i], count) = (true, count + 1);
            }
        } else {
            uint256 bits = uint256(keccak256(abi.encode(flags, 103)));
            for (uint256 i = 0; i < keys; ++i) {
                if ((bits >> i) & 1 == 1) (chosen[i], count) = (true, count + 1);
            }
        }
        bool duplicate = count != 0 && _chance(flags, 102, 4);
        sigs = new bytes[](duplicate ? count + 1 : count);
        valid = count >= threshold && !duplicate;
        uint256 n;
        for (uint256 i = 0; i < keys; ++i) {
            if (!chosen[i]) continue;
            valid = valid && isValidator[i];
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_validatorKeys[i], digest);
            sigs[n++] = abi.encodePacked(r, s, v);
        }
        if (duplicate) sigs[n] = sigs[n - 1];
    }

    function _submit(Attempt memory t) private {
        bool expected = _contributionAccepted(t);
        (uint32 rewarded, uint256 expectedReward) = _expectedReward(
            t.a.units,
            t.a.quality,
            sourceOf[t.a.sourceHash].paidUnits
        );
        uint256 supplyBefore = token.totalSupply();
        uint256 index = block.timestamp / mintPeriod;
        if (supplyWindow != index) (supplyWindow, supplyAtWindowStart) = (index, supplyBefore);
        try this.doSubmit(t) returns (uint256 reward) {
            ghostReportedRewards += reward;
            _expectOutcome(true, expected, t.replacing ? "replace" : "contribute");
            if (!expected) return;
            _check(reward == expectedReward, "contribute: reward is not the model's");
            _check(token.totalSupply() == supplyBefore + expectedReward, "contribute: minted is not the reward");
            ghostMinted += expectedReward;
            if (rewarded != 0) {
                windowMinted = (windowIndex == index ? windowMinted : 0) + expectedReward;
                (windowIndex, windowBudget) = (index, mintBudget);
            }
            if (t.replacing) _modelRevoke(t.previous);
            _modelContribute(t, rewarded);
        } catch {
            _expectOutcome(false, expected, t.replacing ? "replace" : "contribute");
        }
    }

    /// @dev External so `_submit` can `try` it with the contributor's prank applied to the registry call.
    function doSubmit(Attempt calldata t) external returns (uint256) {
        if (msg.sender != address(this)) revert AssertionFailed("doSubmit: internal", 0, 0);
        vm.prank(t.who);
        return
            t.replacing
                ? registry.replace(t.previous, t.a, t.signatures, t.purposes, "ipfs://fuzz")
                : registry.contribute(t.a, t.signatures, t.purposes, "ipfs://fuzz");
    }

    function _contributionAccepted(Attempt memory t) private view returns (bool) {
        GhostSource storage s = sourceOf[t.a.sourceHash];
        return
            (!t.replacing || _revocable(t.previous, t.who)) &&
            contributionOf[t.a.contentHash].status == 0 &&
            t.a.contentHash != t.previous &&
            t.a.units <= maxUnits &&
            t.a.quality >= 1 &&
            t.a.quality <= 10_000 &&
            t.purposes & ~definedPurposes == 0 &&
            block.timestamp <= t.a.deadline &&
            t.signaturesValid &&
            (s.owner == address(0) || s.owner == t.who);
    }

    function _revocable(bytes32 hash, address caller) private view returns (bool) {
        GhostContribution storage g = contributionOf[hash];
        return g.status == ACTIVE && g.owner == caller;
    }

    function _modelContribute(Attempt memory t, uint32 rewarded) private {
        GhostSource storage s = sourceOf[t.a.sourceHash];
        uint16 oldPurposes;
        uint256 oldWeight;
        GhostContribution storage prev = contributionOf[s.latest];
        if (s.latest != bytes32(0) && prev.status == ACTIVE) {
            prev.status = SUPERSEDED;
            (oldPurposes, oldWeight) = (prev.purposes, prev.weight);
        }
        uint256 weight = uint256(t.a.units) * t.a.quality;
        contributionOf[t.a.contentHash] = GhostContribution(t.who, ACTIVE, t.purposes, weight, t.purposes, _epoch());
        contentHashes.push(t.a.contentHash);
        _hashesOf[t.who].push(t.a.contentHash);
        s.owner = t.who;
        s.latest = t.a.contentHash;
        s.paidUnits += rewarded;
        _moveWeight(t.who, oldPurposes, oldWeight, t.purposes, weight);
    }

    function _modelRevoke(bytes32 hash) private {
        GhostContribution storage g = contributionOf[hash];
        g.status = REVOKED;
        _moveWeight(g.owner, g.purposes, g.weight, 0, 0);
    }

    function _moveWeight(
        address account,
        uint16 oldPurposes,
        uint256 oldWeight,
        uint16 newPurposes,
        uint256 newWeight
    ) private {
        for (uint8 p = 0; p < PURPOSES; ++p) {
            uint256 before = (oldPurposes >> p) & 1 == 1 ? oldWeight : 0;
            uint256 after_ = (newPurposes >> p) & 1 == 1 ? newWeight : 0;
            modelWeight[account][p] = modelWeight[account][p] + after_ - before;
            modelTotalWeight[p] = modelTotalWeight[p] + after_ - before;
            if (after_ != 0) everConsented[account] |= uint16(1) << p;
        }
    }

    /// @dev A contribution of contributor `actor` (mostly) and the caller that acts on it: the contributor, or
    /// sometimes the next one (who must be refused).
    function _pickOwnAs(
        uint256 actor,
        uint256 pick,
        uint256 flags
    ) private view returns (bytes32 hash, address caller) {
        uint256 i = actor % contributors.length;
        hash = _pickHash(contributors[i], pick);
        caller = contributors[_chance(flags, 0, 10) ? (i + 1) % contributors.length : i];
    }

    /// @dev One of `who`'s contributions (most of the time) or any registered one.
    function _pickHash(address who, uint256 pick) private view returns (bytes32) {
        bytes32[] storage own = _hashesOf[who];
        if (own.length != 0 && !_chance(pick, 0, 10)) return own[(pick >> 8) % own.length];
        return contentHashes.length == 0 ? bytes32(0) : contentHashes[(pick >> 8) % contentHashes.length];
    }

    /// @dev A consent mask: mostly within the defined purposes, sometimes with an undefined bit set.
    function _purposeMask(uint256 purposes, uint256 flags) private view returns (uint16) {
        return _chance(flags, 201, 5) ? uint16(purposes) : uint16(purposes) & definedPurposes;
    }

    function _epoch() private view returns (uint32 epoch) {
        (epoch, ) = distributor.currentEpoch();
    }

    function _indexOf(address contributor) private view returns (uint256 i) {
        while (contributors[i] != contributor) ++i;
    }

    function _voter(uint256 i) private view returns (address) {
        i %= contributors.length + holders.length;
        return i < contributors.length ? contributors[i] : holders[i - contributors.length];
    }
}
