// File: data_dir.hpp
// The gateway's data directory: ledger.db (SQLite ledger) and pepper (HMAC key, mode 0600).
#pragma once

#include <claimgate/protocols/status.hpp>

#include <optional>
#include <string>

namespace claimgate::gateway {

class DataDir {
public:
    explicit DataDir(std::string path) : path_(std::move(path)) {}

    /// Creates the directory (mode 0700) if missing.
    [[nodiscard]] protocols::Status ensureExists() const;
    [[nodiscard]] std::string ledgerPath() const { return path_ + "/ledger.db"; }
    [[nodiscard]] std::string pepperPath() const { return path_ + "/pepper"; }
    [[nodiscard]] const std::string& path() const { return path_; }

    /// The 32-byte pepper: read from `pepper_file` if given (multi-node: every node shares
    /// one), else from the data dir, generated with mode 0600 on first use.
    [[nodiscard]] protocols::Result<std::string> loadOrCreatePepper(
        const std::optional<std::string>& pepper_file) const;

private:
    std::string path_;
};

}  // namespace claimgate::gateway
