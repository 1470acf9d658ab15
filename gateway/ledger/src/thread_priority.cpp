#include <claimgate/ledger/thread_priority.hpp>

#include <claimgate/protocols/log.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace claimgate::gateway {
namespace {

std::atomic<int> g_nice{0};
std::atomic<bool> g_refusal_logged{false};

}  // namespace

void setLedgerThreadNice(int nice) noexcept { g_nice.store(nice, std::memory_order_relaxed); }

int ledgerThreadNice() noexcept { return g_nice.load(std::memory_order_relaxed); }

protocols::Status applyLedgerThreadNice() {
    const int nice = ledgerThreadNice();
    if (nice == 0) return protocols::Status::okStatus();
    // On Linux a nice value belongs to a thread: PRIO_PROCESS with a thread id sets only it.
    const auto thread_id = static_cast<id_t>(::gettid());
    if (::setpriority(PRIO_PROCESS, thread_id, nice) == 0) return protocols::Status::okStatus();
    const int error = errno;
    std::string message = "cannot set the ledger threads' nice value to " + std::to_string(nice) +
                          ": " + std::strerror(error) +
                          " (grant CAP_SYS_NICE, or allow it with RLIMIT_NICE: systemd LimitNICE=" +
                          std::to_string(nice) + ")";
    if (!g_refusal_logged.exchange(true)) {
        log::warn("ledger", "ledger threads keep the default priority",
                  {{"nice", nice}, {"error", message}});
    }
    return protocols::Status(protocols::ErrorCode::internal, std::move(message));
}

}  // namespace claimgate::gateway
