// File: ledger_test_helpers.hpp
// Operation builders for the two-backend ledger suite (a pepper-free key per label, the dev
// PKI's receipt key).
#pragma once

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/program.hpp>

#include "ledger/ledger_operation.hpp"
#include "ledger_seed.hpp"
#include "test_pki.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace claimgate::gateway::testing {

inline CitizenKey keyFor(const std::string& label) {
    return protocols::hmacSha256("ledger-suite-pepper", label);
}

inline std::shared_ptr<protocols::EcdsaSigner> receiptSigner() {
    auto loaded = protocols::EcdsaSigner::fromPemFile(
        claimgate::testing::TestPki::shared().dir() + "/receipt.key");
    if (!loaded) throw std::runtime_error(loaded.status().message());
    return loaded.value();
}

inline protocols::Program testProgram(const std::string& id = "CASH2023",
                                      std::int64_t amount = 6000) {
    auto program = protocols::Program::fromJson(
        claimgate::testing::programJson(id, amount, {"atm", "kiosk", "counter"}));
    if (!program) throw std::runtime_error(program.status().message());
    return program.value();
}

inline TerminalIdentity atmTerminal() { return {"atm-0001", "BANK004", protocols::Channel::atm}; }

inline HoldOperation holdOf(const std::string& citizen, const std::string& key,
                            const TerminalIdentity& terminal = atmTerminal()) {
    HoldOperation op;
    op.terminal = terminal;
    op.idempotency = {key, protocols::sha256(citizen + "|" + key)};
    op.program = "CASH2023";
    op.citizen_key = keyFor(citizen);
    op.citizen_mask = "A12*****89";
    op.amount = 6000;
    op.ttl_millis = 120'000;
    op.currency = "TWD";
    return op;
}

inline CommitOperation commitOf(const std::string& claim_ref, const std::string& key) {
    CommitOperation op;
    op.terminal = atmTerminal();
    op.idempotency = {key, protocols::sha256("commit|" + claim_ref + "|" + key)};
    op.claim_ref = claim_ref;
    op.amount = 6000;
    op.terminal_ref = "REF";
    return op;
}

inline VoidOperation voidOf(const std::string& claim_ref, const std::string& key) {
    VoidOperation op;
    op.terminal = atmTerminal();
    op.idempotency = {key, protocols::sha256("void|" + claim_ref + "|" + key)};
    op.claim_ref = claim_ref;
    op.reason = "test";
    return op;
}

}  // namespace claimgate::gateway::testing
