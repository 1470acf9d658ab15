// File: client.cpp
// The C++ API: opens the seams for real (certificate, key and CA checked together, journal,
// one HTTPS connection) and forwards to ClientCore. No exception leaves this file.
#include <claimgate/sdk/client.hpp>

#include "client_access.hpp"
#include "client_core.hpp"
#include "https_transport.hpp"
#include "sdk_limits.hpp"

#include <claimgate/protocols/receipt_code.hpp>

#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>

namespace claimgate::sdk {

namespace {

std::mutex log_mutex;
LogFunction log_handler = nullptr;
void* log_user = nullptr;
std::atomic<int> log_level{static_cast<int>(LogLevel::warning)};

std::mutex event_mutex;
EventFunction event_handler = nullptr;
void* event_user = nullptr;

const char* levelName(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warning:
            return "warning";
    }
    return "warning";
}

void logLine(LogLevel level, const std::string& line) {
    if (static_cast<int>(level) < log_level.load(std::memory_order_relaxed)) {
        return;
    }
    const std::string text = std::string(levelName(level)) + ": " + line;
    std::lock_guard lock(log_mutex);
    if (log_handler != nullptr) {
        log_handler(log_user, text.c_str());
    } else {
        std::fprintf(stderr, "claimgate-sdk: %s\n", text.c_str());
    }
}

void emitEvent(const AdviceEvent& event) {
    std::lock_guard lock(event_mutex);
    if (event_handler != nullptr) {
        event_handler(event_user, event);
    }
}

}  // namespace

Client::Client(std::unique_ptr<ClientCore> core) : core_(std::move(core)) {}
Client::~Client() = default;

Status Client::open(const ClientConfig& config, std::unique_ptr<Client>& out, std::string& error) {
    try {
        auto identity = TerminalIdentity::fromCertificateFile(config.cert_file);
        if (!identity.ok()) {
            error = identity.status().message();
            return Status::config_error;
        }
        HttpsTransportConfig transport_config;
        transport_config.gateway_urls = splitGatewayUrls(config.gateway_url);
        transport_config.ca_file = config.ca_file;
        transport_config.cert_file = config.cert_file;
        transport_config.key_file = config.key_file;
        transport_config.timeout_ms = config.timeout_ms;
        auto transport = HttpsTransport::create(transport_config);
        if (!transport.ok()) {
            error = transport.status().message();
            return Status::config_error;
        }
        auto sealer = JournalSealer::fromPrivateKeyFile(config.key_file);
        if (!sealer.ok()) {
            error = sealer.status().message();
            return Status::config_error;
        }
        auto journal = Journal::open(config.journal_path, identity->terminal_id, sealer.value());
        if (!journal.ok()) {
            error = journal.status().message();
            return Status::config_error;
        }
        // HttpsTransport::create refused a timeout above kTimeoutMillisecondsMax.
        const std::uint32_t timeout_ms =
            config.timeout_ms == 0 ? kTimeoutMillisecondsDefault : config.timeout_ms;
        auto core = std::make_unique<ClientCore>(identity.value(), std::move(journal).value(),
                                                 std::move(transport).value(), &logLine, &emitEvent,
                                                 std::chrono::milliseconds(timeout_ms));
        core->startSender();
        out.reset(new Client(std::move(core)));
        return Status::ok;
    } catch (const std::exception& exception) {
        error = std::string("open failed: ") + exception.what();
        return Status::internal;
    }
}

Outcome Client::check(const std::string& program, const std::string& citizen_id,
                      const std::string& nhi_card_no, const std::string& proxy_id) {
    return core_->check(program.c_str(), citizen_id.c_str(), nhi_card_no.c_str(), proxy_id.c_str());
}

Outcome Client::reserve(const std::string& program, const std::string& citizen_id,
                        const std::string& nhi_card_no, const std::string& proxy_id,
                        std::int64_t amount) {
    return core_->reserve(program.c_str(), citizen_id.c_str(), nhi_card_no.c_str(),
                          proxy_id.c_str(), amount);
}

Outcome Client::commit(const std::string& claim_id, std::int64_t amount,
                       const std::string& terminal_ref) {
    return core_->commit(claim_id.c_str(), amount, terminal_ref.c_str());
}

Outcome Client::voidClaim(const std::string& claim_id, const std::string& reason) {
    return core_->voidClaim(claim_id.c_str(), reason.c_str());
}

Outcome Client::lookup(const std::string& claim_id) { return core_->lookup(claim_id.c_str()); }

Outcome Client::receipt(const std::string& claim_id, Receipt& out) {
    return core_->receipt(claim_id.c_str(), out);
}

std::int64_t Client::pendingAdvices() { return core_->pendingAdvices(); }

Status Client::flush(std::chrono::milliseconds timeout) { return core_->flush(timeout); }

const std::string& Client::terminalId() const noexcept { return core_->identity().terminal_id; }
const std::string& Client::operatorId() const noexcept { return core_->identity().operator_id; }
const std::string& Client::channel() const noexcept { return core_->identity().channel; }

ClientCore& ClientAccess::core(Client& client) noexcept { return *client.core_; }

void setLogHandler(LogFunction handler, void* user) noexcept {
    std::lock_guard lock(log_mutex);
    log_handler = handler;
    log_user = user;
}

void setLogLevel(LogLevel level) noexcept {
    log_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

void setEventHandler(EventFunction handler, void* user) noexcept {
    std::lock_guard lock(event_mutex);
    event_handler = handler;
    event_user = user;
}

Status verifyReceipt(const std::string& receipt_cert_pem_path, const std::string& qr_text,
                     std::string& why) {
    try {
        auto verifier = protocols::ReceiptVerifier::fromPemFile(receipt_cert_pem_path);
        if (!verifier.ok()) {
            why = verifier.status().message();
            return Status::config_error;
        }
        switch (verifier->check(qr_text, why)) {
            case protocols::ReceiptCheck::genuine:
                return Status::ok;
            case protocols::ReceiptCheck::altered:
                return Status::refused;
            case protocols::ReceiptCheck::malformed:
                return Status::invalid_input;
        }
        return Status::internal;
    } catch (const std::exception& exception) {
        why = exception.what();
        return Status::internal;
    }
}

const char* statusName(Status status) noexcept {
    switch (status) {
        case Status::ok:
            return "ok";
        case Status::queued:
            return "queued";
        case Status::refused:
            return "refused";
        case Status::invalid_input:
            return "invalid_input";
        case Status::unavailable:
            return "unavailable";
        case Status::config_error:
            return "config_error";
        case Status::internal:
            return "internal";
    }
    return "unknown";
}

}  // namespace claimgate::sdk
