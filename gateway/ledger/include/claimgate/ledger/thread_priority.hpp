// File: thread_priority.hpp
// The ledger writer is the claim path's one serial stage: every hold and commit of the node
// passes through it, and the render thread it waits on at each batch's end. On a busy node
// the I/O threads that feed it are runnable at the same time, and the scheduler treats them
// alike: the writer then spent ~22 % of its time runnable but not running, while the queue
// behind it grew. A lower nice value for these two threads lets them run first, and the
// I/O threads use what is left (docs/performance.md, "The writer waits for a CPU").
#pragma once

#include <claimgate/protocols/status.hpp>

namespace claimgate::gateway {

/// `serve --ledger-nice`: the default, and the range the command line accepts (0 leaves the
/// threads at the process's priority).
inline constexpr int kLedgerThreadNiceDefault = -10;
inline constexpr int kLedgerThreadNiceMin = -20;
inline constexpr int kLedgerThreadNiceMax = 0;

/// Process-wide: the nice value the ledger's writer and render threads give themselves when
/// they start. Set it before the GroupCommitter and ClaimEngine are made; threads already
/// running keep theirs. 0 (the default until set) changes nothing, as in recon and the tools.
void setLedgerThreadNice(int nice) noexcept;
[[nodiscard]] int ledgerThreadNice() noexcept;

/// Gives the calling thread the nice value above. Lowering a nice value needs CAP_SYS_NICE or
/// an RLIMIT_NICE that allows it (systemd: LimitNICE=). When the kernel refuses, the thread
/// keeps its priority, the result says why, and one warning per process is logged: the node
/// works, only with the writer queueing for a CPU like any other thread.
protocols::Status applyLedgerThreadNice();

}  // namespace claimgate::gateway
