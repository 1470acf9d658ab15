// File: client.cpp
// The C++ API: opens the seams for real (certificate, journal, two HTTPS connections) and
// forwards to ClientCore. No exception leaves this file.
#include <claimgate/sdk/client.hpp>

#include "client_core.hpp"
#include "https_transport.hpp"
#include "sdk_limits.hpp"

#include <cstdio>
#include <exception>
#include <mutex>

namespace claimgate::sdk {

namespace {

std::mutex log_mutex;
LogFunction log_handler = nullptr;
void* log_user = nullptr;

void logLine(const std::string& line) {
    std::lock_guard lock(log_mutex);
    if (log_handler != nullptr) {
        log_handler(log_user, line.c_str());
    } else {
        std::fprintf(stderr, "claimgate-sdk: %s\n", line.c_str());
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
        const HttpsTransportConfig transport_config{config.gateway_url, config.ca_file,
                                                    config.cert_file, config.key_file,
                                                    config.timeout_ms};
        auto foreground = HttpsTransport::create(transport_config);
        if (!foreground.ok()) {
            error = foreground.status().message();
            return Status::config_error;
        }
        auto background = HttpsTransport::create(transport_config);
        if (!background.ok()) {
            error = background.status().message();
            return Status::config_error;
        }
        auto journal = Journal::open(config.journal_path, identity->terminal_id);
        if (!journal.ok()) {
            error = journal.status().message();
            return Status::config_error;
        }
        auto core = std::make_unique<ClientCore>(
            identity.value(), std::move(journal).value(), std::move(foreground).value(),
            std::move(background).value(), &logLine);
        core->startSender();
        out = std::make_unique<Client>(std::move(core));
        return Status::ok;
    } catch (const std::exception& exception) {
        error = std::string("open failed: ") + exception.what();
        return Status::internal;
    }
}

Outcome Client::check(const std::string& program, const std::string& citizen_id,
                      const std::string& nhi_card_no, const std::string& proxy_id) {
    return core_->check(program.c_str(), citizen_id.c_str(), nhi_card_no.c_str(),
                        proxy_id.c_str());
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

std::int64_t Client::pendingAdvices() { return core_->pendingAdvices(); }

Status Client::flush(std::chrono::milliseconds timeout) { return core_->flush(timeout); }

const std::string& Client::terminalId() const noexcept { return core_->identity().terminal_id; }
const std::string& Client::operatorId() const noexcept { return core_->identity().operator_id; }
const std::string& Client::channel() const noexcept { return core_->identity().channel; }

void setLogHandler(LogFunction handler, void* user) noexcept {
    std::lock_guard lock(log_mutex);
    log_handler = handler;
    log_user = user;
}

const char* statusName(Status status) noexcept {
    switch (status) {
        case Status::ok: return "ok";
        case Status::queued: return "queued";
        case Status::refused: return "refused";
        case Status::invalid_input: return "invalid_input";
        case Status::unavailable: return "unavailable";
        case Status::config_error: return "config_error";
        case Status::internal: return "internal";
    }
    return "unknown";
}

}  // namespace claimgate::sdk
