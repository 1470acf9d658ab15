// File: client.hpp
// The terminal SDK's C++ API (contracts §7). Standard types only; the implementation (POCO, SQLite,
// Boost.Statechart, nlohmann/json) stays inside the library.
//
//   claimgate::sdk::ClientConfig config{...};
//   std::unique_ptr<claimgate::sdk::Client> client;
//   std::string error;
//   if (Client::open(config, client, error) != Status::ok) { ... }
//   auto held = client->reserve("CASH2023", "A123456789", "", "", 0);
//   if (held.ok()) { dispense(); client->commit(held.claim_id, held.amount, "ref-1"); }
//
// Thread-safety: every member may be called from several threads; calls on one Client are
// serialised internally (the background sender runs on its own thread and shares the client's
// one connection). timeout_ms bounds each whole call (see ClientConfig).
#pragma once

#include <claimgate/sdk/client_config.hpp>
#include <claimgate/sdk/logging.hpp>
#include <claimgate/sdk/outcome.hpp>
#include <claimgate/sdk/receipt.hpp>
#include <claimgate/sdk_export.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace claimgate::sdk {

class ClientCore;
struct ClientAccess;

class CG_API Client {
public:
    /// Opens a client; on failure returns config_error (or internal) and fills `error`.
    static Status open(const ClientConfig& config, std::unique_ptr<Client>& out,
                       std::string& error);

    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Read-only eligibility check. Empty nhi_card_no / proxy_id mean "not given".
    Outcome check(const std::string& program, const std::string& citizen_id,
                  const std::string& nhi_card_no, const std::string& proxy_id);
    /// Holds the payout; amount 0 = the roster's amount.
    Outcome reserve(const std::string& program, const std::string& citizen_id,
                    const std::string& nhi_card_no, const std::string& proxy_id,
                    std::int64_t amount);
    /// Cash handed over: journalled advice, ok = acknowledged, queued = delivered later.
    Outcome commit(const std::string& claim_id, std::int64_t amount,
                   const std::string& terminal_ref);
    /// Cash not handed over: journalled void advice.
    Outcome voidClaim(const std::string& claim_id, const std::string& reason);

    /// Current state of a claim (id or kiosk claim code) at the gateway; read-only.
    Outcome lookup(const std::string& claim_id);
    /// The signed receipt of a paid claim (qr_text to print); ok, or refused "not_paid".
    Outcome receipt(const std::string& claim_id, Receipt& out);

    /// Advices (and reserve reversals) not yet acknowledged by the gateway.
    std::int64_t pendingAdvices();
    /// Waits until nothing is pending (ok) or the timeout passed (unavailable). After ok, the
    /// event handler has been called for every advice delivered meanwhile.
    Status flush(std::chrono::milliseconds timeout);

    [[nodiscard]] const std::string& terminalId() const noexcept;
    [[nodiscard]] const std::string& operatorId() const noexcept;
    [[nodiscard]] const std::string& channel() const noexcept;

private:
    friend struct ClientAccess;  // the C ABI, inside the library
    explicit Client(std::unique_ptr<ClientCore> core);

    std::unique_ptr<ClientCore> core_;
};

/// "ok", "queued", ... (the C ABI spells them "CG_OK", ...).
CG_API const char* statusName(Status status) noexcept;

}  // namespace claimgate::sdk
