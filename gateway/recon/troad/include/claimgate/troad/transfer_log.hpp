// File: transfer_log.hpp
// The hash-chained log of every T-Road exchange (contracts §8): an append-only JSON-lines file, one
// record per call,
//
//   {"hash":"..","prev_hash":"..","request_sha256":"..","response_sha256":"..","seq":1,
//    "service":"TW/GOV/PLATFORM/disburse/programs","time":"2026-..Z","x_road_id":".."}
//
// with hash = hex(SHA-256(prev_hash_bytes || canonical record)), where the canonical record is
// the record without "hash" serialised with sorted keys and no spaces, and the first record's
// prev_hash is 64 zeros. Each append is fsynced before append() returns. verify() recomputes the
// chain and names the first broken link, like `claimgate-recon verify` does for the ledger.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace claimgate::troad {

/// What the caller knows about an exchange.
struct TransferEntry {
    std::string x_road_id;
    std::string service;
    std::string request_sha256;
    std::string response_sha256;
};

struct TransferRecord {
    std::uint64_t seq = 0;
    std::string time;  // RFC 3339 UTC, milliseconds
    std::string x_road_id;
    std::string service;
    std::string request_sha256;
    std::string response_sha256;
    std::string prev_hash;
    std::string hash;
};

struct TransferLogVerification {
    bool ok = true;
    std::uint64_t records = 0;       // records read (up to the break)
    std::uint64_t first_broken = 0;  // 1-based line number of the first bad record (0 if ok)
    std::string reason;              // what is wrong with it
};

/// The genesis prev_hash: 64 zeros.
[[nodiscard]] const std::string& transferLogGenesisHash();

class TransferLog {
public:
    using Clock = std::function<std::int64_t()>;  // Unix milliseconds

    /// Opens (or creates) the log and continues its chain. The existing file must verify,
    /// otherwise appending would extend a broken chain: errors name the first broken record.
    static protocols::Result<std::shared_ptr<TransferLog>> open(const std::string& path,
                                                                Clock clock = {});

    ~TransferLog();
    TransferLog(const TransferLog&) = delete;
    TransferLog& operator=(const TransferLog&) = delete;

    /// Appends, fsyncs, returns the record written. Thread-safe. After a failed write or fsync
    /// every later append fails too (the file may end in a torn record; reopen to check).
    protocols::Result<TransferRecord> append(const TransferEntry& entry);

    /// Recomputes the chain of the file at `path`.
    [[nodiscard]] static TransferLogVerification verify(const std::string& path);

    /// The hash a record must carry (exposed for tests and for recon's verify command).
    [[nodiscard]] static std::string computeHash(const TransferRecord& record);

    [[nodiscard]] std::uint64_t lastSeq() const;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    TransferLog(std::string path, int fd, Clock clock, std::uint64_t seq, std::string last_hash);

    std::string path_;
    int fd_;
    Clock clock_;
    mutable std::mutex mutex_;
    std::uint64_t seq_;
    std::string last_hash_;
    bool broken_ = false;  // a failed write may have left a torn line: refuse to extend it
};

}  // namespace claimgate::troad
