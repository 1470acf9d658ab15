#include <claimgate/gateway/access_log.hpp>

#include <claimgate/protocols/log.hpp>

#include <atomic>

namespace claimgate::log {
namespace {

std::atomic<bool> g_access_log_enabled{false};

}  // namespace

void setAccessLogEnabled(bool enabled) {
    g_access_log_enabled.store(enabled, std::memory_order_relaxed);
}

bool accessLogEnabled() { return g_access_log_enabled.load(std::memory_order_relaxed); }

void logAccess(const AccessRecord& record) noexcept {
    if (!accessLogEnabled()) return;
    try {
        nlohmann::json fields = {{"listener", record.listener}, {"method", record.method},
                                 {"path", record.path},         {"route", record.route},
                                 {"status", record.status},     {"us", record.micros}};
        if (!record.terminal_id.empty()) fields["terminal"] = record.terminal_id;
        if (!record.operator_id.empty()) fields["operator"] = record.operator_id;
        if (!record.peer.empty()) fields["peer"] = record.peer;
        write(Level::info, "access", "request", fields);
    } catch (...) {
        // Never fail a request over its log line.
    }
}

}  // namespace claimgate::log
