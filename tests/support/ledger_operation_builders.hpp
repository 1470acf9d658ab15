// File: ledger_operation_builders.hpp
// Builders of ledger operations and test programs, shared by the gateway unit tests and the
// two-backend ledger suite. Keys are HMACs of a label under a fixed test pepper.
#pragma once

#include <claimgate/protocols/citizen_keys.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/program.hpp>

#include "ledger_seed.hpp"
#include <claimgate/ledger/ledger_operation.hpp>

#include <stdexcept>
#include <string>

namespace claimgate::gateway::testing {

/// A citizen key as the gateway would derive it, from a test pepper.
inline CitizenKey keyFor(const std::string& label) {
    static const protocols::CitizenKeys keys("unit-test-pepper");
    return keys.citizenKey(label);
}

inline protocols::Program testProgram(const std::string& id = "CASH2023",
                                      std::int64_t amount = 6000) {
    auto program = protocols::Program::fromJson(
        claimgate::testing::programJson(id, amount, {"atm", "kiosk", "counter"}));
    if (!program) throw std::runtime_error(program.status().message());
    return program.value();
}

inline TerminalIdentity atmTerminal() { return {"atm-0001", "BANK004", protocols::Channel::atm}; }

/// A slip code of the right shape, distinct per label (the service would mint and MAC it).
inline std::string claimCodeFor(const std::string& label) {
    const auto digest = protocols::sha256("code|" + label);
    std::string code;
    for (std::size_t i = 0; code.size() < protocols::kClaimCodeDigits; ++i) {
        code.push_back(static_cast<char>('0' + digest[i] % 10));
    }
    return code;
}

inline HoldOperation holdOf(const std::string& citizen, const std::string& key,
                            const TerminalIdentity& terminal = atmTerminal()) {
    HoldOperation op;
    op.terminal = terminal;
    op.idempotency = {key, protocols::sha256(citizen + "|" + key)};
    op.program = "CASH2023";
    op.citizen_key = keyFor(citizen);
    op.citizen_mask = "A12*****89";
    op.claim_code = claimCodeFor(citizen + "|" + key);
    op.amount = 6000;
    op.ttl_millis = 120'000;
    op.currency = "TWD";
    return op;
}

inline CommitOperation commitOf(const std::string& claim_ref, const std::string& key,
                                const TerminalIdentity& terminal = atmTerminal()) {
    CommitOperation op;
    op.terminal = terminal;
    op.idempotency = {key, protocols::sha256("commit|" + claim_ref + "|" + key)};
    op.claim_ref = claim_ref;
    op.amount = 6000;
    op.terminal_ref = "REF";
    return op;
}

inline VoidOperation voidOf(const std::string& claim_ref, const std::string& key,
                            const TerminalIdentity& terminal = atmTerminal()) {
    VoidOperation op;
    op.terminal = terminal;
    op.idempotency = {key, protocols::sha256("void|" + claim_ref + "|" + key)};
    op.claim_ref = claim_ref;
    op.reason = "test";
    return op;
}

}  // namespace claimgate::gateway::testing
