// The rules of "who may do what" as tables (contracts §3, §5): authorizeClaimAction for every
// role and claim channel, slip codes minted and checked by ClaimCodeAuthority, and the
// per-terminal failed-lookup window of FailedLookupLimiter.
#include <claimgate/ledger/clock.hpp>
#include <claimgate/protocols/limits.hpp>

#include <claimgate/gateway/claim_code_authority.hpp>
#include <claimgate/gateway/failed_lookup_limiter.hpp>
#include <claimgate/ledger/claim_access.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace claimgate::gateway {
namespace {

using protocols::Channel;
using protocols::ErrorCode;
using protocols::TerminalRole;

ClaimRecord claimOf(Channel channel, const std::string& operator_id,
                    const std::string& terminal_id) {
    ClaimRecord claim;
    claim.claim_id = "c_test";
    claim.channel = channel;
    claim.operator_id = operator_id;
    claim.terminal_id = terminal_id;
    return claim;
}

TerminalIdentity terminalOf(const std::string& id, const std::string& operator_id,
                            TerminalRole role) {
    return {id, operator_id, protocols::channelOfRole(role), role};
}

struct AccessRow {
    const char* what;
    Channel claim_channel;
    const char* claim_operator;
    const char* claim_terminal;
    TerminalIdentity caller;
    ClaimAction action;
    ErrorCode expected;
};

TEST(ClaimAccessTest, WhoMayDoWhatWithAClaim) {
    const auto atm1 = terminalOf("atm-0001", "BANK004", TerminalRole::atm);
    const auto atm3 = terminalOf("atm-0003", "BANK004", TerminalRole::atm);
    const auto other_bank = terminalOf("atm-0002", "BANK005", TerminalRole::atm);
    const auto counter1 = terminalOf("counter-0001", "POST700", TerminalRole::counter);
    const auto counter2 = terminalOf("counter-0002", "POST700", TerminalRole::counter);
    const auto kiosk1 = terminalOf("kiosk-0001", "CVS711", TerminalRole::kiosk);
    const auto kiosk2 = terminalOf("kiosk-0002", "CVS711", TerminalRole::kiosk);
    const auto pos1 = terminalOf("pos-0001", "CVS711", TerminalRole::pos);
    const auto other_pos = terminalOf("pos-0002", "CVS952", TerminalRole::pos);
    const auto commit = ClaimAction::commit;
    const auto void_claim = ClaimAction::void_claim;
    const auto read = ClaimAction::read;
    const AccessRow rows[] = {
        {"ATM commits its own hold", Channel::atm, "BANK004", "atm-0001", atm1, commit,
         ErrorCode::ok},
        {"ATM voids its own hold", Channel::atm, "BANK004", "atm-0001", atm1, void_claim,
         ErrorCode::ok},
        {"another ATM of the bank commits", Channel::atm, "BANK004", "atm-0001", atm3, commit,
         ErrorCode::not_holding_terminal},
        {"another ATM of the bank voids", Channel::atm, "BANK004", "atm-0001", atm3, void_claim,
         ErrorCode::not_holding_terminal},
        {"another ATM of the bank reads", Channel::atm, "BANK004", "atm-0001", atm3, read,
         ErrorCode::ok},
        {"another bank's ATM commits", Channel::atm, "BANK004", "atm-0001", other_bank, commit,
         ErrorCode::operator_mismatch},
        {"another bank's ATM reads", Channel::atm, "BANK004", "atm-0001", other_bank, read,
         ErrorCode::operator_mismatch},
        {"counter commits its own hold", Channel::counter, "POST700", "counter-0001", counter1,
         commit, ErrorCode::ok},
        {"another counter commits", Channel::counter, "POST700", "counter-0001", counter2, commit,
         ErrorCode::not_holding_terminal},
        {"kiosk commits its own slip", Channel::kiosk, "CVS711", "kiosk-0001", kiosk1, commit,
         ErrorCode::pos_required},
        {"kiosk voids its own slip", Channel::kiosk, "CVS711", "kiosk-0001", kiosk1, void_claim,
         ErrorCode::ok},
        {"another kiosk voids the slip", Channel::kiosk, "CVS711", "kiosk-0001", kiosk2, void_claim,
         ErrorCode::pos_required},
        {"POS pays the slip", Channel::kiosk, "CVS711", "kiosk-0001", pos1, commit, ErrorCode::ok},
        {"POS voids the slip", Channel::kiosk, "CVS711", "kiosk-0001", pos1, void_claim,
         ErrorCode::ok},
        {"POS pays a slip another POS paid", Channel::kiosk, "CVS711", "pos-0009", pos1, commit,
         ErrorCode::ok},
        {"another chain's POS pays", Channel::kiosk, "CVS711", "kiosk-0001", other_pos, commit,
         ErrorCode::operator_mismatch},
        {"POS commits an ATM claim of its operator", Channel::atm, "CVS711", "atm-0001", pos1,
         commit, ErrorCode::channel_mismatch},
        {"kiosk commits an ATM claim of its operator", Channel::atm, "CVS711", "atm-0001", kiosk1,
         commit, ErrorCode::channel_mismatch},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.what);
        const auto claim = claimOf(row.claim_channel, row.claim_operator, row.claim_terminal);
        EXPECT_EQ(authorizeClaimAction(claim, row.caller, row.action).code(), row.expected);
    }
}

TEST(ClaimCodeAuthorityTest, CodesAreLongDigitsTaggedPerOperatorAndDeployment) {
    const ClaimCodeAuthority codes("pepper-of-deployment-a-32-bytes!");
    const ClaimCodeAuthority other_deployment("pepper-of-deployment-b-32-bytes!");
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string code = codes.mint("CVS711");
        ASSERT_EQ(code.size(), protocols::kClaimCodeDigits);
        ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos) << code;
        EXPECT_TRUE(codes.authentic("CVS711", code)) << code;
        EXPECT_FALSE(codes.authentic("CVS952", code)) << "bound to the operator";
        EXPECT_FALSE(other_deployment.authentic("CVS711", code)) << "bound to the pepper";
        seen.insert(code);
    }
    EXPECT_EQ(seen.size(), 200U);
    std::string code = codes.mint("CVS711");
    code.back() = code.back() == '9' ? '0' : static_cast<char>(code.back() + 1);
    EXPECT_FALSE(codes.authentic("CVS711", code)) << "one altered digit";
    EXPECT_FALSE(codes.authentic("CVS711", "0123456789"));
    EXPECT_FALSE(codes.authentic("CVS711", std::string(protocols::kClaimCodeDigits, 'x')));
    EXPECT_FALSE(codes.authentic("CVS711", ""));
}

TEST(FailedLookupLimiterTest, TenFailuresPerTerminalPerWindowThenRetryAfter) {
    auto clock = std::make_shared<ManualClock>(1'000'000);
    FailedLookupLimiter limiter(clock, 10, 60'000, 4);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(limiter.retryAfterSeconds("CVS711/pos-0001"), 0) << i;
        limiter.recordFailure("CVS711/pos-0001");
    }
    EXPECT_EQ(limiter.retryAfterSeconds("CVS711/pos-0001"), 60);
    EXPECT_EQ(limiter.retryAfterSeconds("CVS711/pos-0002"), 0) << "per terminal";
    clock->advanceMillis(59'500);
    EXPECT_EQ(limiter.retryAfterSeconds("CVS711/pos-0001"), 1);
    clock->advanceMillis(500);
    EXPECT_EQ(limiter.retryAfterSeconds("CVS711/pos-0001"), 0) << "a new window";
    limiter.recordFailure("CVS711/pos-0001");
    EXPECT_EQ(limiter.retryAfterSeconds("CVS711/pos-0001"), 0);
}

TEST(FailedLookupLimiterTest, TableIsBoundedAndForgetsTheOldestFirst) {
    auto clock = std::make_shared<ManualClock>(0);
    FailedLookupLimiter limiter(clock, 1, 60'000, 2);
    limiter.recordFailure("t1");
    clock->advanceMillis(1);
    limiter.recordFailure("t2");
    clock->advanceMillis(1);
    limiter.recordFailure("t3");  // full of live windows: t1, the oldest, is forgotten
    EXPECT_EQ(limiter.retryAfterSeconds("t1"), 0);
    EXPECT_GT(limiter.retryAfterSeconds("t2"), 0);
    EXPECT_GT(limiter.retryAfterSeconds("t3"), 0);
}

}  // namespace
}  // namespace claimgate::gateway
