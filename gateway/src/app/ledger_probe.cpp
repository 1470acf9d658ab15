#include "app/ledger_probe.hpp"

#include <claimgate/ledger/ledger_factory.hpp>

#include <libpq-fe.h>
#include <unistd.h>

namespace claimgate::gateway {
namespace {

/// A probe must not hang the watchdog when the database host is gone (not refusing).
constexpr const char* kProbeConnectTimeoutSeconds = "2";

std::string withConnectTimeout(const std::string& conninfo) {
    if (conninfo.find("connect_timeout") != std::string::npos) return conninfo;
    if (conninfo.rfind("postgres", 0) == 0) {  // URI form
        return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") +
               "connect_timeout=" + kProbeConnectTimeoutSeconds;
    }
    return conninfo + " connect_timeout=" + kProbeConnectTimeoutSeconds;
}

}  // namespace

LedgerProbe::LedgerProbe(std::string ledger, std::string sqlite_path)
    : ledger_(std::move(ledger)), sqlite_path_(std::move(sqlite_path)) {
    if (isPostgresLedger(ledger_)) ping_conninfo_ = withConnectTimeout(ledger_);
}

bool LedgerProbe::pingDatabase() const {
    if (!ping_conninfo_.empty()) return PQping(ping_conninfo_.c_str()) == PQPING_OK;
    return ::access(sqlite_path_.c_str(), R_OK | W_OK) == 0;
}

LedgerProbeResult LedgerProbe::probe(const GroupCommitStats& writer) {
    const std::uint64_t batches = writer.batches.load();
    const std::uint64_t failed = writer.failed_batches.load();
    // Batches failed since the last probe and none committed: the writer has lost the database
    // even if a ping still gets through (e.g. disk full, read-only).
    const bool writer_failing = failed > seen_failed_ && batches == seen_batches_;
    seen_batches_ = batches;
    seen_failed_ = failed;
    return LedgerProbeResult{.database_answers = pingDatabase(), .writer_failing = writer_failing};
}

}  // namespace claimgate::gateway
