// File: c_api.cpp
// The C ABI over the C++ core. Every entry point catches everything: no exception crosses into
// C. NULL pointers are answered with CG_INVALID_INPUT (or ignored where documented).
#include <claimgate/sdk.h>

#include <claimgate/sdk/client.hpp>

#include "client_access.hpp"
#include "client_core.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>

struct cg_client {
    std::unique_ptr<claimgate::sdk::Client> client;
};

namespace {

using claimgate::sdk::ClientAccess;
using claimgate::sdk::ClientCore;
using claimgate::sdk::Outcome;
using claimgate::sdk::Status;

ClientCore& coreOf(cg_client* c) { return ClientAccess::core(*c->client); }

// Unix seconds in a uint32 (valid until 2106); 0 for "not told".
uint32_t unixSeconds(std::int64_t unix_millis) {
    if (unix_millis <= 0) {
        return 0;
    }
    const std::int64_t seconds = unix_millis / 1000;
    return seconds > static_cast<std::int64_t>(UINT32_MAX) ? UINT32_MAX
                                                           : static_cast<uint32_t>(seconds);
}

thread_local std::string last_error;

void setLastError(const std::string& text) { last_error = text; }

template <std::size_t N>
void copyString(char (&target)[N], const std::string& source) {
    const std::size_t length = source.size() < N - 1 ? source.size() : N - 1;
    std::memcpy(target, source.data(), length);
    target[length] = '\0';
}

cg_status toC(Status status) { return static_cast<cg_status>(static_cast<int>(status)); }

void clearResult(cg_result* out) {
    if (out != nullptr) {
        std::memset(out, 0, sizeof *out);
    }
}

cg_status fill(cg_result* out, const Outcome& outcome) {
    const cg_status status = toC(outcome.status);
    if (outcome.status != Status::ok && outcome.status != Status::queued) {
        setLastError(outcome.code + ": " + outcome.message);
    }
    if (out == nullptr) {
        return status;
    }
    clearResult(out);
    out->status = status;
    out->http_status = static_cast<int32_t>(outcome.http_status);
    copyString(out->code, outcome.code);
    copyString(out->claim_id, outcome.claim_id);
    copyString(out->claim_code, outcome.claim_code);
    copyString(out->claim_status, outcome.claim_status);
    out->amount = outcome.amount;
    out->eligible = outcome.eligible ? 1 : 0;
    copyString(out->message, outcome.message);
    out->hold_expires_at = unixSeconds(outcome.hold_expires_at_ms);
    out->claimed_at = unixSeconds(outcome.claimed_at_ms);
    copyString(out->claimed_channel, outcome.claimed_channel);
    return status;
}

void fillEvent(cg_event& out, const claimgate::sdk::AdviceEvent& event) {
    std::memset(&out, 0, sizeof out);
    out.kind = static_cast<cg_event_kind>(static_cast<int>(event.kind));
    out.status = toC(event.status);
    out.http_status = static_cast<int32_t>(event.http_status);
    out.in_background = event.in_background ? 1 : 0;
    copyString(out.terminal_id, event.terminal_id);
    copyString(out.claim_id, event.claim_id);
    copyString(out.idempotency_key, event.idempotency_key);
    copyString(out.code, event.code);
}

std::mutex c_event_mutex;
cg_event_fn c_event_handler = nullptr;
void* c_event_user = nullptr;

void forwardEvent(void* /*user*/, const claimgate::sdk::AdviceEvent& event) {
    std::lock_guard lock(c_event_mutex);
    if (c_event_handler != nullptr) {
        cg_event out;
        fillEvent(out, event);
        c_event_handler(c_event_user, &out);
    }
}

cg_status refuseNull(cg_result* out, const char* what) {
    Outcome outcome;
    outcome.status = Status::invalid_input;
    outcome.code = "missing_field";
    outcome.message = std::string(what) + " is NULL";
    return fill(out, outcome);
}

template <typename Call>
cg_status guarded(cg_result* out, Call&& call) {
    try {
        return fill(out, call());
    } catch (const std::exception& exception) {
        Outcome outcome;
        outcome.status = Status::internal;
        outcome.code = "internal";
        outcome.message = exception.what();
        return fill(out, outcome);
    } catch (...) {
        Outcome outcome;
        outcome.status = Status::internal;
        outcome.code = "internal";
        outcome.message = "unknown exception";
        return fill(out, outcome);
    }
}

}  // namespace

extern "C" {

cg_status cg_client_open(const cg_config* config, cg_client** out_client) {
    setLastError("");
    if (out_client == nullptr) {
        setLastError("out_client is NULL");
        return CG_INVALID_INPUT;
    }
    *out_client = nullptr;
    if (config == nullptr) {
        setLastError("config is NULL");
        return CG_INVALID_INPUT;
    }
    for (const auto& [name, value] :
         {std::pair<const char*, const char*>{"gateway_url", config->gateway_url},
          {"ca_file", config->ca_file},
          {"cert_file", config->cert_file},
          {"key_file", config->key_file},
          {"journal_path", config->journal_path}}) {
        if (value == nullptr || *value == '\0') {
            setLastError(std::string("cg_config.") + name + " is missing");
            return CG_CONFIG_ERROR;
        }
    }
    for (uint32_t word : config->reserved) {
        if (word != 0) {
            // A newer application sets a field this library does not know: refuse rather than
            // silently ignore what the vendor asked for.
            setLastError(
                "cg_config.reserved must be zero (application built against a newer SDK?)");
            return CG_CONFIG_ERROR;
        }
    }
    try {
        claimgate::sdk::ClientConfig cpp{config->gateway_url,  config->ca_file,
                                         config->cert_file,    config->key_file,
                                         config->journal_path, config->timeout_ms};
        std::unique_ptr<claimgate::sdk::Client> client;
        std::string error;
        const Status status = claimgate::sdk::Client::open(cpp, client, error);
        if (status != Status::ok) {
            setLastError(error);
            return toC(status);
        }
        *out_client = new cg_client{std::move(client)};
        return CG_OK;
    } catch (const std::exception& exception) {
        setLastError(exception.what());
        return CG_INTERNAL;
    } catch (...) {
        setLastError("unknown exception");
        return CG_INTERNAL;
    }
}

void cg_client_close(cg_client* client) {
    try {
        delete client;
    } catch (...) {
        setLastError("close failed");
    }
}

cg_status cg_check(cg_client* c, const char* program, const char* citizen_id,
                   const char* nhi_card_no, const char* proxy_id, cg_result* out) {
    setLastError("");
    if (c == nullptr) {
        return refuseNull(out, "client");
    }
    return guarded(out,
                   [&] { return coreOf(c).check(program, citizen_id, nhi_card_no, proxy_id); });
}

cg_status cg_reserve(cg_client* c, const char* program, const char* citizen_id,
                     const char* nhi_card_no, const char* proxy_id, int64_t amount,
                     cg_result* out) {
    setLastError("");
    if (c == nullptr) {
        return refuseNull(out, "client");
    }
    return guarded(
        out, [&] { return coreOf(c).reserve(program, citizen_id, nhi_card_no, proxy_id, amount); });
}

cg_status cg_commit(cg_client* c, const char* claim_id, int64_t amount, const char* terminal_ref,
                    cg_result* out) {
    setLastError("");
    if (c == nullptr) {
        return refuseNull(out, "client");
    }
    return guarded(out, [&] { return coreOf(c).commit(claim_id, amount, terminal_ref); });
}

cg_status cg_void(cg_client* c, const char* claim_id, const char* reason, cg_result* out) {
    setLastError("");
    if (c == nullptr) {
        return refuseNull(out, "client");
    }
    return guarded(out, [&] { return coreOf(c).voidClaim(claim_id, reason); });
}

cg_status cg_lookup(cg_client* c, const char* claim_id, cg_result* out) {
    setLastError("");
    if (c == nullptr) {
        return refuseNull(out, "client");
    }
    return guarded(out, [&] { return coreOf(c).lookup(claim_id); });
}

cg_status cg_get_receipt(cg_client* c, const char* claim_id, cg_receipt* out) {
    setLastError("");
    if (out != nullptr) {
        std::memset(out, 0, sizeof *out);
    }
    if (c == nullptr || out == nullptr) {
        setLastError(c == nullptr ? "client is NULL" : "out is NULL");
        return CG_INVALID_INPUT;
    }
    try {
        claimgate::sdk::Receipt receipt;
        const Outcome outcome = coreOf(c).receipt(claim_id, receipt);
        if (!outcome.ok()) {
            setLastError(outcome.code + ": " + outcome.message);
            return toC(outcome.status);
        }
        copyString(out->qr_text, receipt.qr_text);
        copyString(out->claim_id, receipt.claim_id);
        copyString(out->program, receipt.program);
        out->amount = receipt.amount;
        copyString(out->channel, receipt.channel);
        copyString(out->terminal_id, receipt.terminal_id);
        copyString(out->paid_at, receipt.paid_at);
        copyString(out->citizen_mask, receipt.citizen_mask);
        copyString(out->key_id, receipt.key_id);
        if (receipt.qr_text.size() >= sizeof out->qr_text) {
            std::memset(out, 0, sizeof *out);
            setLastError("receipt text longer than cg_receipt.qr_text");
            return CG_INTERNAL;
        }
        return CG_OK;
    } catch (const std::exception& exception) {
        setLastError(exception.what());
        return CG_INTERNAL;
    } catch (...) {
        setLastError("unknown exception");
        return CG_INTERNAL;
    }
}

cg_status cg_verify_receipt(const char* receipt_cert_pem_path, const char* qr_text) {
    setLastError("");
    if (receipt_cert_pem_path == nullptr || *receipt_cert_pem_path == '\0') {
        setLastError("receipt_cert_pem_path is missing");
        return CG_CONFIG_ERROR;
    }
    if (qr_text == nullptr) {
        setLastError("qr_text is NULL");
        return CG_INVALID_INPUT;
    }
    try {
        std::string why;
        const Status status = claimgate::sdk::verifyReceipt(receipt_cert_pem_path, qr_text, why);
        setLastError(status == Status::ok ? "" : why);
        return toC(status);
    } catch (...) {
        setLastError("receipt verification failed");
        return CG_INTERNAL;
    }
}

int64_t cg_pending_advices(cg_client* c) {
    if (c == nullptr) {
        setLastError("client is NULL");
        return -1;
    }
    try {
        return c->client->pendingAdvices();
    } catch (...) {
        setLastError("pending_advices failed");
        return -1;
    }
}

cg_status cg_flush(cg_client* c, uint32_t timeout_ms) {
    setLastError("");
    if (c == nullptr) {
        setLastError("client is NULL");
        return CG_INVALID_INPUT;
    }
    try {
        const Status status = c->client->flush(std::chrono::milliseconds(timeout_ms));
        if (status != Status::ok) {
            setLastError(std::to_string(c->client->pendingAdvices()) +
                         " advices still pending after " + std::to_string(timeout_ms) + " ms");
        }
        return toC(status);
    } catch (...) {
        setLastError("flush failed");
        return CG_INTERNAL;
    }
}

const char* cg_status_name(cg_status s) {
    switch (s) {
        case CG_OK:
            return "CG_OK";
        case CG_QUEUED:
            return "CG_QUEUED";
        case CG_REFUSED:
            return "CG_REFUSED";
        case CG_INVALID_INPUT:
            return "CG_INVALID_INPUT";
        case CG_UNAVAILABLE:
            return "CG_UNAVAILABLE";
        case CG_CONFIG_ERROR:
            return "CG_CONFIG_ERROR";
        case CG_INTERNAL:
            return "CG_INTERNAL";
    }
    return "CG_UNKNOWN";
}

const char* cg_last_error(void) { return last_error.c_str(); }

void cg_set_log_handler(cg_log_fn handler, void* user) {
    claimgate::sdk::setLogHandler(handler, user);
}

void cg_set_log_level(cg_log_level level) {
    const int value = static_cast<int>(level);
    claimgate::sdk::setLogLevel(value <= 0   ? claimgate::sdk::LogLevel::debug
                                : value == 1 ? claimgate::sdk::LogLevel::info
                                             : claimgate::sdk::LogLevel::warning);
}

void cg_set_event_handler(cg_event_fn handler, void* user) {
    {
        std::lock_guard lock(c_event_mutex);
        c_event_handler = handler;
        c_event_user = user;
    }
    claimgate::sdk::setEventHandler(handler != nullptr ? &forwardEvent : nullptr, nullptr);
}

uint32_t cg_abi_version(void) { return CG_ABI_VERSION; }

const char* cg_version(void) { return CG_SDK_VERSION_STRING; }

const char* cg_client_terminal_id(const cg_client* c) {
    return c == nullptr ? nullptr : c->client->terminalId().c_str();
}

const char* cg_client_operator(const cg_client* c) {
    return c == nullptr ? nullptr : c->client->operatorId().c_str();
}

const char* cg_client_channel(const cg_client* c) {
    return c == nullptr ? nullptr : c->client->channel().c_str();
}

}  // extern "C"
