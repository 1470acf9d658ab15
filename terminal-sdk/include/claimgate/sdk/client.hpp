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
// serialised internally (the background sender runs on its own thread and connection).
#pragma once

#include <claimgate/sdk/client_config.hpp>
#include <claimgate/sdk/outcome.hpp>
#include <claimgate/sdk_export.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace claimgate::sdk {

class ClientCore;

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

    /// Advices (and reserve reversals) not yet acknowledged by the gateway.
    std::int64_t pendingAdvices();
    /// Waits until nothing is pending (ok) or the timeout passed (unavailable).
    Status flush(std::chrono::milliseconds timeout);

    [[nodiscard]] const std::string& terminalId() const noexcept;
    [[nodiscard]] const std::string& operatorId() const noexcept;
    [[nodiscard]] const std::string& channel() const noexcept;

    /// The shared core; for the C ABI and the SDK's own tests.
    [[nodiscard]] ClientCore& core() noexcept { return *core_; }

    explicit Client(std::unique_ptr<ClientCore> core);

private:
    std::unique_ptr<ClientCore> core_;
};

/// Where the SDK's warnings go (see cg_set_log_handler); nullptr restores stderr.
using LogFunction = void (*)(void* user, const char* line);
CG_API void setLogHandler(LogFunction handler, void* user) noexcept;

/// "ok", "queued", ... (the C ABI spells them "CG_OK", ...).
CG_API const char* statusName(Status status) noexcept;

}  // namespace claimgate::sdk
