// File: claim_intake.hpp
// The platform's claim intake (POST .../claims): idempotent by batch_id, durable before it
// answers. Every accepted batch is one line of STATE_DIR/claims.jsonl, fsynced before the reply:
//
//   {"batch_id", "batch_sha256", "received_at", "client", "x_road_id", "answer", "batch"}
//
// Same batch_id + same body -> the stored answer again (nothing written); same batch_id +
// another body -> 409. The file is read back at start-up, so idempotency survives restarts.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace claimgate::simulators::troad {

struct IntakeAnswer {
    int http_status = 200;
    std::string body;  // JSON
};

class ClaimIntake {
public:
    /// Creates the state dir if needed and reloads claims.jsonl.
    static protocols::Result<std::unique_ptr<ClaimIntake>> open(const std::string& state_dir);

    ~ClaimIntake();
    ClaimIntake(const ClaimIntake&) = delete;
    ClaimIntake& operator=(const ClaimIntake&) = delete;

    /// Validates and records one batch body (signature already checked). Thread-safe.
    IntakeAnswer submit(std::string_view body, const std::string& client,
                        const std::string& x_road_id);

    [[nodiscard]] std::size_t batchCount() const;

private:
    struct Stored {
        std::string batch_sha256;
        std::string answer;
    };
    ClaimIntake(std::string path, int fd, std::map<std::string, Stored> batches);

    std::string path_;
    int fd_;
    mutable std::mutex mutex_;
    std::map<std::string, Stored> batches_;
};

}  // namespace claimgate::simulators::troad
