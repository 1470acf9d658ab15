#include <claimgate/ledger/database_health.hpp>

#include <claimgate/protocols/log.hpp>

#include <chrono>

namespace claimgate::gateway {
namespace {

std::int64_t steadyMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void DatabaseHealth::reportFailure(std::string_view error) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    if (!up_.load(std::memory_order_relaxed)) return;  // already reported
    std::lock_guard lock(transition_mutex_);
    if (!up_.load(std::memory_order_relaxed)) return;
    up_.store(false, std::memory_order_relaxed);
    failures_at_loss_ = failures_.load(std::memory_order_relaxed) - 1;
    lost_at_millis_ = steadyMillis();
    log::error("ledger", "ledger database unreachable; state changes answer 503 until it is back",
               {{"error", log::firstLine(error)}});
}

void DatabaseHealth::reportSuccess() {
    if (up_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(transition_mutex_);
    if (up_.load(std::memory_order_relaxed)) return;
    up_.store(true, std::memory_order_relaxed);
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    log::info(
        "ledger", "ledger database reachable again",
        {{"down_ms", steadyMillis() - lost_at_millis_},
         {"failed_operations", failures_.load(std::memory_order_relaxed) - failures_at_loss_}});
}

}  // namespace claimgate::gateway
