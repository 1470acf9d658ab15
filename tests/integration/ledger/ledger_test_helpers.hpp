// File: ledger_test_helpers.hpp
// The two-backend ledger suite's extras over the shared operation builders: the dev PKI's
// receipt key.
#pragma once

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/program.hpp>

#include "ledger_operation_builders.hpp"
#include "ledger_seed.hpp"
#include "test_pki.hpp"
#include <claimgate/ledger/ledger_operation.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace claimgate::gateway::testing {

inline std::shared_ptr<protocols::EcdsaSigner> receiptSigner() {
    auto loaded = protocols::EcdsaSigner::fromPemFile(claimgate::testing::TestPki::shared().dir() +
                                                      "/receipt.key");
    if (!loaded) throw std::runtime_error(loaded.status().message());
    return loaded.value();
}

}  // namespace claimgate::gateway::testing
